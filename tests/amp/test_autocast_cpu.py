"""torchlet.amp against torch.amp on CPU: which ops autocast runs in bfloat16 and which in
float32 (dtypes and values), gradients through an autocast region, the context manager and
decorator forms, nesting and enabled=False, torch.autocast; GradScaler's scale, unscale_,
inf checks, skipped steps, scale growth/backoff and state_dict, and the errors."""

import warnings

import numpy as np
import pytest

import torchlet

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 6)).astype(np.float32)
B = rng.standard_normal((6, 5)).astype(np.float32)
IMG = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
KER = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
T = np.array([0, 2, 1, 4])

OPS = {
    "mm": lambda m, a, b: m.mm(a, b),
    "Tensor.mm": lambda m, a, b: a.mm(b),
    "matmul@": lambda m, a, b: a @ b,
    "bmm": lambda m, a, b: m.bmm(a[None], b[None]),
    "addmm": lambda m, a, b: m.addmm(m.ones(5), a, b),
    "baddbmm": lambda m, a, b: m.baddbmm(m.ones(1, 4, 5), a[None], b[None]),
    "linear": lambda m, a, b: m.nn.functional.linear(a, b.T, m.ones(5)),
    "einsum": lambda m, a, b: m.einsum("ij,jk->ik", a, b),
    "conv2d": lambda m, a, b: m.nn.functional.conv2d(m.tensor(IMG), m.tensor(KER), m.ones(4), padding=1),
    "conv1d": lambda m, a, b: m.nn.functional.conv1d(a[None], b.T[:, :4, None].contiguous()),
    "prelu": lambda m, a, b: m.nn.functional.prelu(a, m.tensor([0.25])),
    "sdpa": lambda m, a, b: m.nn.functional.scaled_dot_product_attention(a[None], a[None], a[None]),
    "relu": lambda m, a, b: m.relu(a),
    "softmax": lambda m, a, b: m.softmax(a, -1),
    "sum": lambda m, a, b: a.sum(),
    "layer_norm": lambda m, a, b: m.nn.functional.layer_norm(a, (6,)),
    "mv": lambda m, a, b: m.mv(a, b[:, 0].contiguous()),
    "add_mixed": lambda m, a, b: a.bfloat16() + a,
    "mse_loss_bf16": lambda m, a, b: m.nn.functional.mse_loss(a.bfloat16(), (a * 2).bfloat16()),
    "cross_entropy_bf16": lambda m, a, b: m.nn.functional.cross_entropy(a.bfloat16(), m.tensor(T)),
    "l1_loss_bf16": lambda m, a, b: m.nn.functional.l1_loss(a.bfloat16(), a.bfloat16() * 0),
    "prod_bf16": lambda m, a, b: a.bfloat16().prod(1),
    "cdist_bf16": lambda m, a, b: m.cdist(a.bfloat16(), a.bfloat16()),
    "bce_logits_bf16": lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(a.bfloat16(), a.sigmoid()),
    "mm_float64": lambda m, a, b: m.mm(a.double(), b.double()),
    "softmax_bf16": lambda m, a, b: m.softmax(a.bfloat16(), -1),
}


@pytest.mark.parametrize("name", list(OPS))
def test_op_dtypes_and_values(name, torch):
    outs = []
    for m in (torchlet, torch):
        with m.autocast("cpu", dtype=m.bfloat16):
            y = OPS[name](m, m.tensor(A), m.tensor(B))
        outs.append(y)
    yo, yt = outs
    assert str(yo.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1], (yo.dtype, yt.dtype)
    np.testing.assert_allclose(yo.detach().float().numpy(), yt.detach().float().numpy(), rtol=2e-2, atol=2e-2)


def _mlp(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Linear(6, 8), m.nn.ReLU(), m.nn.Linear(8, 3))


def test_training_step_gradients(torch):
    res = []
    for m in (torchlet, torch):
        net = _mlp(m)
        x = m.tensor(A, requires_grad=True)
        with m.amp.autocast(device_type="cpu", dtype=m.bfloat16):
            out = net(x)
            loss = m.nn.functional.cross_entropy(out, m.tensor(T % 3))
        loss.backward()
        res.append((out, loss, x.grad, [p.grad for p in net.parameters()]))
    (oo, lo, go, po), (ot, lt, gt, pt) = res
    assert str(oo.dtype)[-8:] == str(ot.dtype)[-8:] == "bfloat16" and lo.dtype == torchlet.float32
    np.testing.assert_array_equal(oo.float().detach().numpy(), ot.float().detach().numpy())
    np.testing.assert_allclose(lo.item(), lt.item(), rtol=1e-6)
    np.testing.assert_allclose(go.numpy(), gt.numpy(), rtol=1e-2, atol=1e-2)
    for a, b in zip(po, pt):
        assert str(a.dtype)[-7:] == str(b.dtype)[-7:]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-2, atol=1e-2)


def test_decorator_nesting_disabled_alias(torch):
    assert torchlet.autocast is torchlet.amp.autocast
    assert (torch.autocast is torch.amp.autocast) is True

    def f(m):
        @m.autocast("cpu")
        def g(a):
            return a @ a.T

        a = m.tensor(A)
        inner = []
        with m.autocast("cpu"):
            inner.append(m.is_autocast_enabled("cpu"))
            with m.autocast("cpu", enabled=False):
                inner.append((a @ a.T).dtype)
            inner.append((a @ a.T).dtype)
        inner.append((a @ a.T).dtype)
        inner.append(g(a).dtype)
        inner.append(m.get_autocast_dtype("cpu"))
        return [str(v).split(".")[-1] for v in inner]

    assert f(torchlet) == f(torch)


def test_unsupported_dtype_warning(torch):
    msgs = []
    for m in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with m.autocast("cpu", dtype=m.float64):
                y = m.tensor(A) @ m.tensor(B)
        msgs.append((str(w[0].message), str(y.dtype).split(".")[-1]))
    assert msgs[0] == msgs[1]
    with pytest.raises(ValueError) as eo:
        torchlet.autocast(torchlet.device("cpu"))
    with pytest.raises(ValueError) as et:
        torch.autocast(torch.device("cpu"))
    assert str(eo.value).split("of type")[0] == str(et.value).split("of type")[0]


def _scaler_run(m, grads_seq, **kw):
    w = m.tensor(np.linspace(-1, 1, 6), dtype=m.float32, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.125)
    scaler = m.amp.GradScaler("cpu", **kw)
    trace = []
    for g in grads_seq:
        opt.zero_grad()
        loss = (w * m.tensor(g, dtype=m.float32)).sum()
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.unscale_(opt)
        grad_after_unscale = w.grad.clone()
        scaler.step(opt)
        scaler.update()
        trace.append(
            (
                scaled.item(),
                grad_after_unscale.numpy().copy(),
                w.detach().numpy().copy(),
                scaler.get_scale(),
                scaler._get_growth_tracker(),
            )
        )
    return trace, scaler.state_dict()


def test_grad_scaler_sequence(torch):
    seq = [
        np.arange(6.0) - 2,
        np.array([1, np.inf, 0, 0, 0, 0.0]),
        np.ones(6),
        np.ones(6) * 3,
        np.array([np.nan] + [1.0] * 5),
        np.ones(6),
        np.ones(6),
        np.ones(6),
    ]
    to, so = _scaler_run(torchlet, seq, init_scale=2.0**10, growth_interval=2)
    tt, st = _scaler_run(torch, seq, init_scale=2.0**10, growth_interval=2)
    assert so == st
    for a, b in zip(to, tt):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6)  # the loss sums in another order
        assert a[3] == b[3] and a[4] == b[4]
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[2], b[2])


def test_grad_scaler_state_dict_and_errors(torch):
    for m in (torchlet, torch):
        s = m.amp.GradScaler("cpu", init_scale=8.0)
        s.load_state_dict(
            {"scale": 4.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 7, "_growth_tracker": 2}
        )
        assert s.get_scale() == 4.0 and s.get_growth_factor() == 3.0 and s.state_dict()["_growth_tracker"] == 2
    checks = [
        lambda m: m.amp.GradScaler("cpu", growth_factor=1.0),
        lambda m: m.amp.GradScaler("cpu", backoff_factor=1.0),
        lambda m: m.amp.GradScaler("cpu").load_state_dict({}),
        lambda m: m.amp.GradScaler("cpu").update(),
        lambda m: m.amp.GradScaler("cpu").scale(3.0),
    ]

    def twice(m):
        w = m.ones(2, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        s = m.amp.GradScaler("cpu")
        s.scale(w.sum()).backward()
        s.unscale_(opt)
        s.unscale_(opt)

    def step_twice(m):
        w = m.ones(2, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        s = m.amp.GradScaler("cpu")
        s.scale(w.sum()).backward()
        s.step(opt)
        s.step(opt)

    for i, make in enumerate(checks + [twice, step_twice]):
        with pytest.raises(Exception) as et:
            make(torch)
        with pytest.raises(Exception) as eo:
            make(torchlet)
        assert type(eo.value) is type(et.value) and str(eo.value) == str(et.value)


def test_grad_scaler_cuda_default_disabled(torch):
    msgs = []
    for m in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = m.amp.GradScaler()
        msgs.append((str(w[0].message), s.is_enabled(), s.get_scale(), s.state_dict()))
    assert msgs[0] == msgs[1]
