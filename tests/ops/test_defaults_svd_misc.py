"""set_default_device / get_default_device, float32 matmul precision, memory formats,
torch.svd (values and gradients), torch.dist, the torch.<op>_ in-place functions,
torch.functional and distributions.multinomial: each against PyTorch."""

import warnings

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same
from tests.ops.both import both

import torch


def _name(x):
    return repr(x).replace("torchlet.", "torch.")


# ----- default device ----------------------------------------------------------------------
def test_default_device_cpu_round_trip():
    assert repr(torchlet.get_default_device()) == repr(torch.get_default_device())
    try:
        for dev in ("cpu", torchlet.device("cpu")):
            torchlet.set_default_device(dev)
            torch.set_default_device(str(dev))
            assert repr(torchlet.get_default_device()) == repr(torch.get_default_device())
            assert torchlet.zeros(2).device == torchlet.device("cpu")
    finally:
        torchlet.set_default_device(None)
        torch.set_default_device(None)
    assert repr(torchlet.get_default_device()) == repr(torch.get_default_device())


def test_default_device_cuda_without_cuda_raises_on_creation():
    """The oracle is a CUDA build with no GPU (RuntimeError: no driver); torchlet without CuPy
    is a CPU-only build, whose error is AssertionError("Torch not compiled with CUDA enabled")
    (torch.cuda._lazy_init, reached from tensor creation through device_lazy_init)."""
    torchlet.set_default_device("cuda")
    torch.set_default_device("cuda")
    try:
        for make in (
            lambda m: m.zeros(2),
            lambda m: m.tensor([1.0]),
            lambda m: m.randn(2),
            lambda m: m.arange(3),
            lambda m: m.get_default_device(),
        ):
            with pytest.raises(RuntimeError):
                make(torch)
            with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
                make(torchlet)
    finally:
        torchlet.set_default_device(None)
        torch.set_default_device(None)
    assert torchlet.zeros(1).device.type == "cpu"


def test_default_device_bad_string():
    both(lambda m: m.set_default_device("xyz"), torch)


# ----- matmul precision -----------------------------------------------------------------------
def test_float32_matmul_precision():
    old = torch.get_float32_matmul_precision()
    try:
        assert torchlet.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        for p in ("high", "medium", "highest"):
            torch.set_float32_matmul_precision(p)
            torchlet.set_float32_matmul_precision(p)
            assert torchlet.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            torch.set_float32_matmul_precision("bad")
        with warnings.catch_warnings(record=True) as wo:
            warnings.simplefilter("always")
            torchlet.set_float32_matmul_precision("bad")
        assert [w.category for w in wo] == [w.category for w in wt] == [UserWarning]
        assert str(wt[0].message).startswith(str(wo[0].message))  # torch adds "(Triggered internally at ...)"
        assert torchlet.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        both(lambda m: m.set_float32_matmul_precision(3), torch)
    finally:
        torch.set_float32_matmul_precision(old)
        torchlet.set_float32_matmul_precision(old)


# ----- memory formats -------------------------------------------------------------------------
def test_memory_format_names():
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert _name(getattr(torchlet, name)) == repr(getattr(torch, name))
    assert type(torchlet.channels_last).__name__ == type(torch.channels_last).__name__


# Not compared: the strides NumPy gives size-1 dims of a pointwise result (y + 1) and of
# empty channels_last tensors (PyTorch's use max(size, 1)); the values are the same.
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 1, 4, 1), (1, 3, 1, 1), (2, 1, 3, 3), (1, 1, 1, 1)])
def test_channels_last_strides_and_answers(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for m in (torch, torchlet):
        x = m.tensor(a)
        y = x.to(memory_format=m.channels_last)
        z = x.contiguous(memory_format=m.channels_last)
        res = (
            y.stride(),
            z.stride(),
            y.is_contiguous(),
            y.is_contiguous(memory_format=m.channels_last),
            x.is_contiguous(memory_format=m.channels_last),
            y.contiguous().stride(),
            y.clone().stride(),
            (y + 1).stride() if 1 not in shape else None,
            y.to(memory_format=m.contiguous_format).stride(),
            y.contiguous().is_contiguous(),
            # *_like of a channels_last input (NumPy calls size-1 layouts contiguous: not compared)
            m.zeros_like(y).stride() if 1 not in shape else None,
            m.empty_like(y).stride() if 1 not in shape else None,
            m.full_like(y, 2.0).stride() if 1 not in shape else None,
            m.ones_like(x, memory_format=m.channels_last).stride(),
            m.zeros_like(y, memory_format=m.contiguous_format).stride(),
        )
        if m is torch:
            theirs = res
        else:
            assert res == theirs
            assert_same(y, torch.tensor(a).to(memory_format=torch.channels_last))


def test_channels_last_3d_and_errors():
    a = np.arange(2 * 3 * 2 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2, 2)
    for m in (torch, torchlet):
        y = m.tensor(a).to(memory_format=m.channels_last_3d)
        r = (
            y.stride(),
            y.is_contiguous(memory_format=m.channels_last_3d),
            y.is_contiguous(memory_format=m.channels_last),
        )
        if m is torch:
            theirs = r
    assert r == theirs
    both(lambda m: m.randn(2, 3).to(memory_format=m.channels_last), torch)
    both(lambda m: m.randn(2, 3).contiguous(memory_format=m.channels_last), torch)
    both(lambda m: m.randn(2, 3, 4).contiguous(memory_format=m.channels_last_3d), torch)
    assert torchlet.randn(2, 3).is_contiguous(memory_format=torchlet.channels_last) is False


def test_channels_last_gradient_and_module():
    a = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32)
    res = []
    for m in (torch, torchlet):
        m.manual_seed(0)
        conv = m.nn.Conv2d(3, 4, 3).to(memory_format=m.channels_last)
        x = m.tensor(a, requires_grad=True)
        out = conv(x.to(memory_format=m.channels_last))
        out.square().sum().backward()
        res.append((out, x.grad, conv.weight.grad))
    assert_same(res[1], res[0], rtol=1e-4, atol=1e-5)


# ----- svd ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 4, 4), (3, 3)])
@pytest.mark.parametrize("some", [True, False])
def test_svd_values_and_gradients(shape, some):
    a = np.random.default_rng(2).standard_normal(shape)
    grads = []
    for m in (torch, torchlet):
        A = m.tensor(a, requires_grad=True)
        U, S, V = m.svd(A, some=some)
        if m is torch:
            theirs = (U, S, V)
        else:
            # singular vectors are defined up to sign: compare U S V^T and |U|, |V|
            assert_same(S, theirs[1])
            k = S.shape[-1]  # beyond k (some=False) the columns are any basis of the null space
            assert_same(U[..., :k].abs(), theirs[0][..., :k].abs())
            assert_same(V[..., :k].abs(), theirs[2][..., :k].abs())
            assert_same((U[..., :k] * S.unsqueeze(-2)) @ V[..., :k].mT, torch.tensor(a))
        # a loss that does not depend on the signs
        loss = (S**3).sum() + (U[..., :, 0].abs() ** 3).sum() + (V[..., :, 1].abs() ** 3).sum()
        loss.backward()
        grads.append(A.grad)
    assert_same(grads[1], grads[0], rtol=1e-8, atol=1e-10)


def test_svd_method_compute_uv_false_and_errors():
    a = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    res = []
    for m in (torch, torchlet):
        A = m.tensor(a, requires_grad=True)
        r = A.svd(compute_uv=False)
        r.S.sum().backward()
        res.append((r.U, r.S, r.V, A.grad, type(r).__name__))
    assert_same(res[1][:4], res[0][:4], rtol=1e-5, atol=1e-5)
    assert res[1][4] == res[0][4]
    both(lambda m: m.svd(m.ones(3)), torch)
    both(lambda m: m.svd(m.ones(3, 3, dtype=m.int64)), torch)


def test_svd_gradcheck_float64():
    A = torchlet.tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True)

    def f(x):
        U, S, V = torchlet.svd(x)
        return S, (U[:, 0] * U[:, 0]), (V[:, 2] * V[:, 2])

    assert torchlet.autograd.gradcheck(f, (A,))


# ----- dist ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 3, 1, 0, float("inf"), 0.5, -1.5])
def test_dist(p):
    a = np.random.default_rng(5).standard_normal((3, 4))
    b = np.random.default_rng(6).standard_normal((1, 4))
    grads = []
    for m in (torch, torchlet):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        d = m.dist(x, y, p)
        if p != 0:  # PyTorch's dist backward fails for p=0 ("Expected a proper Tensor but got None")
            d.backward()
        grads.append((d, x.grad, y.grad))
    assert_same(grads[1], grads[0])
    assert_same(torchlet.tensor(a).dist(torchlet.tensor(b), p=p), torch.tensor(a).dist(torch.tensor(b), p=p))


def test_dist_errors_and_dtypes():
    both(lambda m: m.dist(m.tensor([1, 2]), m.tensor([1, 3])), torch)
    both(lambda m: m.dist(m.ones(3), m.ones(2)), torch)
    both(lambda m: m.dist(m.ones(3, dtype=m.float64), m.ones(3)), torch)
    both(lambda m: m.dist(m.ones(3), m.ones(3), 0.5), torch)
    both(lambda m: m.dist(m.ones(3), m.zeros(3)), torch)


# ----- torch.<op>_ functions ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,args",
    [
        ("sin_", ()),
        ("cos_", ()),
        ("exp_", ()),
        ("sqrt_", ()),
        ("clamp_", (0.2, 0.7)),
        ("relu_", ()),
        ("sigmoid_", ()),
        ("zero_", ()),
        ("fill_", (2.5,)),
        ("neg_", ()),
        ("round_", ()),
        ("selu_", ()),
        ("celu_", ()),
        ("square_", ()),
    ],
)
def test_top_level_inplace_functions(name, args):
    a = np.random.default_rng(7).random((2, 3)).astype(np.float32)
    x, t = torchlet.tensor(a), torch.tensor(a)
    r = getattr(torchlet, name)(x, *args)
    getattr(torch, name)(t, *args)
    assert r is x
    assert_same(x, t)


def test_top_level_dropout_():
    torch.manual_seed(3)
    torchlet.manual_seed(3)
    x, t = torchlet.ones(20), torch.ones(20)
    torchlet.dropout_(x, 0.4, True)
    torch.dropout_(t, 0.4, True)
    assert_same(x, t)
    both(lambda m: m.sin_([1.0]), torch)


# ----- torch.functional --------------------------------------------------------------------------
def test_functional_module():
    import torch.functional as TF
    import torchlet.functional as LF

    for name in LF.__all__:
        assert name in TF.__all__
        assert getattr(LF, name) is getattr(torchlet, name)
    assert LF.F is torchlet.nn.functional
    a = np.random.default_rng(8).standard_normal((1, 1, 4, 4)).astype(np.float32)
    assert_same(LF.einsum("ij->ji", torchlet.tensor(a[0, 0])), TF.einsum("ij->ji", torch.tensor(a[0, 0])))
    # torch.functional has no relu/log_softmax/max_pool2d; torchlet.functional forwards them to
    # nn.functional (the programs that name them mean those), with nn.functional's values.
    assert_same(LF.relu(torchlet.tensor(a)), TF.F.relu(torch.tensor(a)))
    assert_same(LF.log_softmax(torchlet.tensor(a), -1), TF.F.log_softmax(torch.tensor(a), -1))
    assert_same(LF.max_pool2d(torchlet.tensor(a), 2), TF.F.max_pool2d(torch.tensor(a), 2))
    with pytest.raises(AttributeError):
        LF.no_such_function


# ----- distributions.multinomial ------------------------------------------------------------------
def test_multinomial_distribution():
    from torchlet.distributions.multinomial import Multinomial

    assert torchlet.distributions.Multinomial is Multinomial
    assert torchlet.distributions.multinomial.__all__ == torch.distributions.multinomial.__all__
    res = []
    for m in (torch, torchlet):
        m.manual_seed(0)
        d = m.distributions.multinomial.Multinomial(10, m.tensor([0.1, 0.2, 0.3, 0.4]))
        x = d.sample()
        lg = m.tensor([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]], requires_grad=True)
        d2 = m.distributions.Multinomial(5, logits=lg)
        s = d2.sample((3,))
        lp = d2.log_prob(s).sum()
        lp.backward()
        res.append(
            (
                x,
                d.sample((2,)),
                d.log_prob(x),
                d.entropy(),
                d.mean,
                d.variance,
                s,
                lp,
                lg.grad,
                d2.entropy(),
                list(d2.batch_shape),
                list(d2.event_shape),
            )
        )
    assert_same(res[1], res[0], rtol=1e-5, atol=1e-5)
    both(
        lambda m: m.distributions.Multinomial(probs=m.tensor([1.0, 1.0]), validate_args=True).log_prob(
            m.tensor([3.0, 4.0])
        ),  # explicit: importing torch._dynamo (flex_attention) turns PyTorch's default off
        torch,
    )
    both(lambda m: m.distributions.Multinomial(2.5, probs=m.tensor([1.0, 1.0])), torch)


# ----- matrix_exp ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_matrix_exp_values_and_gradients(dtype):
    a = np.random.default_rng(9).standard_normal((2, 3, 3))
    if dtype == "complex128":
        a = a + 1j * np.random.default_rng(10).standard_normal((2, 3, 3))
    w = np.arange(18.0).reshape(2, 3, 3)
    res = []
    for m in (torch, torchlet):
        A = m.tensor(a, dtype=getattr(m, dtype), requires_grad=True)
        E = m.matrix_exp(A)
        loss = (
            (E.abs() ** 2 * m.tensor(w)).sum()
            if dtype.startswith("complex")
            else (E * m.tensor(w, dtype=E.dtype)).sum()
        )
        loss.backward()
        B = m.tensor(a[0], dtype=getattr(m, dtype), requires_grad=True)
        Bm = B.matrix_exp()
        (Bm.abs() if dtype.startswith("complex") else Bm).sum().backward()
        res.append((E, A.grad, m.linalg.matrix_exp(A.detach()), B.grad))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else dict(rtol=1e-9, atol=1e-9)
    assert_same(res[1], res[0], **tol)


# ----- factories with size= -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_take_size_keyword(name):
    res = []
    for m in (torch, torchlet):
        m.manual_seed(0)
        res.append(getattr(m, name)(size=(2, 3)))
    assert tuple(res[1].shape) == tuple(res[0].shape) == (2, 3)
    if name != "empty":
        assert_same(res[1], res[0])
    both(lambda m: getattr(m, name)(2, size=(3,)), torch)
