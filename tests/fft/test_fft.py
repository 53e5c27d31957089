"""torchlet.fft against PyTorch: values, dtypes, gradients of real losses
through every transform (real and complex inputs), float64 gradcheck, the
frequency helpers and the error classes."""

import numpy as np
import pytest
import torch

import torchlet

_rng = np.random.default_rng(3)


def _np(t):
    t = t.detach()
    if isinstance(t, torch.Tensor):
        return t.resolve_conj().numpy()
    return t._data


def _close(a, b, dtype):
    tol = (
        dict(rtol=1e-4, atol=1e-4)
        if "64" not in str(dtype) or "complex64" in str(dtype)
        else dict(rtol=1e-9, atol=1e-9)
    )
    np.testing.assert_allclose(_np(a), _np(b), **tol)


def _loss(m, y):
    """A real loss that depends on every output entry non-trivially."""
    if y.dtype.is_complex:
        w = m.tensor(np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)), dtype=torch_dt(m, y))
        return (y.abs() * w).sum() + (y.real**2).sum() + y.imag.sum()
    return (y * y).sum()


def torch_dt(m, y):
    return m.float64 if "128" in str(y.dtype) else m.float32


def _run(m, fn, arr, complex_input, kw):
    x = m.tensor(arr, requires_grad=True)
    inp = x
    if complex_input:
        inp = m.complex(x[..., 0], x[..., 1]) if hasattr(m, "complex") else None
    y = getattr(m.fft, fn)(inp, **kw)
    _loss(m, y).backward()
    return y, x.grad


CASES = [
    ("fft", {}),
    ("fft", {"n": 7}),
    ("fft", {"n": 3, "dim": 0}),
    ("fft", {"norm": "ortho"}),
    ("fft", {"norm": "forward"}),
    ("ifft", {}),
    ("ifft", {"n": 8, "norm": "ortho"}),
    ("rfft", {}),
    ("rfft", {"n": 5}),
    ("rfft", {"dim": 0, "norm": "forward"}),
    ("irfft", {}),
    ("irfft", {"n": 9}),
    ("irfft", {"n": 4, "norm": "ortho"}),
    ("irfft", {"dim": 0, "norm": "forward"}),
    ("hfft", {}),
    ("hfft", {"n": 5}),
    ("ihfft", {}),
    ("ihfft", {"norm": "ortho"}),
    ("fftn", {}),
    ("fftn", {"s": (3, 8)}),
    ("fftn", {"dim": (0,)}),
    ("ifftn", {"norm": "forward"}),
    ("rfftn", {}),
    ("rfftn", {"s": (5, 4)}),
    ("irfftn", {}),
    ("irfftn", {"s": (4, 7)}),
    ("fft2", {}),
    ("ifft2", {"s": (2, 3)}),
    ("rfft2", {"norm": "ortho"}),
    ("irfft2", {}),
    ("hfftn", {}),
    ("ihfftn", {"s": (3, 5)}),
    ("hfft2", {"norm": "forward"}),
    ("ihfft2", {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("complex_input", [False, True])
@pytest.mark.parametrize("fn,kw", CASES, ids=[f"{f}-{k}" for f, k in CASES])
def test_values_and_gradients(fn, kw, complex_input, dtype):
    if complex_input and fn in ("rfft", "rfftn", "rfft2", "ihfft", "ihfftn", "ihfft2"):
        pytest.skip("real-input transform (the complex case is an error, tested below)")
    shape = (4, 6, 2) if complex_input else (4, 6)
    arr = _rng.standard_normal(shape).astype(dtype)
    yt, gt = _run(torch, fn, arr, complex_input, kw)
    yo, go = _run(torchlet, fn, arr, complex_input, kw)
    assert str(yo.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
    assert tuple(yo.shape) == tuple(yt.shape)
    _close(yo, yt, yt.dtype)
    assert go.dtype is getattr(torchlet, dtype)
    _close(go, gt, yt.dtype)


def test_brief_losses():
    """The gradients of fft(x).abs().sum() and (rfft(x).real**2).sum() w.r.t. real x."""
    arr = _rng.standard_normal((3, 10)).astype(np.float32)
    for f in (
        lambda m, x: m.fft.fft(x).abs().sum(),
        lambda m, x: (m.fft.rfft(x).real ** 2).sum(),
        lambda m, x: m.fft.irfft(m.fft.rfft(x) * m.fft.rfft(x), n=10).pow(2).sum(),
    ):
        grads = []
        for m in (torch, torchlet):
            x = m.tensor(arr, requires_grad=True)
            f(m, x).backward()
            grads.append(x.grad)
        _close(grads[1], grads[0], torch.float32)


def test_grad_fn_names():
    x = torchlet.randn(4, requires_grad=True)
    z = torchlet.randn(4, dtype=torchlet.complex64, requires_grad=True)
    assert type(torchlet.fft.fft(z).grad_fn).__name__ == "FftC2CBackward0"
    assert type(torchlet.fft.rfft(x).grad_fn).__name__ == "FftR2CBackward0"
    assert type(torchlet.fft.fft(x).grad_fn).__name__ == "FftR2CBackward0"
    assert type(torchlet.fft.irfft(z).grad_fn).__name__ == "FftC2RBackward0"


@pytest.mark.parametrize("fn", ["fft", "rfft", "irfft", "hfft", "fftn", "irfftn"])
def test_gradcheck_float64(fn):
    x = torchlet.tensor(_rng.standard_normal((3, 5)), requires_grad=True)
    f = getattr(torchlet.fft, fn)
    if fn in ("irfft", "hfft", "irfftn"):
        kw = {"s": (3, 5)} if fn == "irfftn" else {"n": 5}
        assert torchlet.autograd.gradcheck(lambda x: f(torchlet.fft.rfft(x), **kw), (x,))
    else:
        assert torchlet.autograd.gradcheck(lambda x: torchlet.view_as_real(f(x)), (x,))


@pytest.mark.parametrize("dt", ["int64", "int32", "bool", "float64", "float32"])
def test_dtypes(dt):
    arr = np.arange(6).astype(dt)
    for fn in ("fft", "rfft", "irfft", "ifft", "hfft", "ihfft"):
        a, b = getattr(torch.fft, fn)(torch.tensor(arr)), getattr(torchlet.fft, fn)(torchlet.tensor(arr))
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1], fn
        _close(b, a, a.dtype)


def test_default_dtype_promotion():
    torchlet.set_default_dtype(torchlet.float64)
    torch.set_default_dtype(torch.float64)
    try:
        a, b = torch.fft.fft(torch.tensor([1, 2, 3])), torchlet.fft.fft(torchlet.tensor([1, 2, 3]))
        assert a.dtype == torch.complex128 and b.dtype is torchlet.complex128
    finally:
        torch.set_default_dtype(torch.float32)
        torchlet.set_default_dtype(torchlet.float32)


@pytest.mark.parametrize(
    "n,d,dt", [(5, 1.0, None), (8, 0.1, None), (1, 2.0, None), (7, 0.3, "float64"), (0, 1.0, None), (6, 0.5, "float16")]
)
def test_freqs(n, d, dt):
    for fn in ("fftfreq", "rfftfreq"):
        kt = {"dtype": getattr(torch, dt)} if dt else {}
        ko = {"dtype": getattr(torchlet, dt)} if dt else {}
        a, b = getattr(torch.fft, fn)(n, d, **kt), getattr(torchlet.fft, fn)(n, d, **ko)
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
        np.testing.assert_array_equal(_np(b), _np(a))  # NaN == NaN here (rfftfreq(0))


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
def test_shifts(dim):
    arr = _rng.standard_normal((5, 6)).astype(np.float32)
    for fn in ("fftshift", "ifftshift"):
        xt, xo = torch.tensor(arr, requires_grad=True), torchlet.tensor(arr, requires_grad=True)
        yt, yo = getattr(torch.fft, fn)(xt, dim=dim), getattr(torchlet.fft, fn)(xo, dim=dim)
        np.testing.assert_array_equal(_np(yo), _np(yt))
        w = np.arange(30, dtype=np.float32).reshape(5, 6)
        (yt * torch.tensor(w)).sum().backward()
        (yo * torchlet.tensor(w)).sum().backward()
        np.testing.assert_array_equal(_np(xo.grad), _np(xt.grad))


def _raises_same(call):
    def run(m):
        try:
            call(m)
        except Exception as e:
            return e
        return None

    et, eo = run(torch), run(torchlet)
    assert et is not None, "torch did not raise"
    assert eo is not None, f"torchlet did not raise (torch: {type(et).__name__}: {et})"
    assert type(eo).__name__ == type(et).__name__, f"{type(eo).__name__}: {eo} vs {type(et).__name__}: {et}"
    return str(eo), str(et)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.fft.fft(m.randn(4), norm="bad"),
        lambda m: m.fft.fft(m.randn(4), n=0),
        lambda m: m.fft.fft(m.randn(4), dim=1),
        lambda m: m.fft.rfft(m.randn(4, dtype=m.complex64)),
        lambda m: m.fft.rfftn(m.randn(4, dtype=m.complex64)),
        lambda m: m.fft.rfft2(m.randn(4, 4, dtype=m.complex64)),
        lambda m: m.fft.ihfft(m.randn(4, dtype=m.complex64)),
        lambda m: m.fft.ihfftn(m.randn(4, dtype=m.complex64)),
        lambda m: m.fft.rfft(m.randn(4).bfloat16()),
        lambda m: m.fft.fftn(m.randn(4, 4), s=(2, 2), dim=(0,)),
        lambda m: m.fft.fftn(m.randn(4, 4), dim=(0, 0)),
        lambda m: m.fft.fftn(m.randn(4), s=(2, 2)),
        lambda m: m.fft.irfft(m.randn(1, dtype=m.complex64)),
        lambda m: m.fft.fft(m.randn(4).half()),
        lambda m: m.fft.irfft(m.randn(4, dtype=m.complex64), n=-3),
        lambda m: m.fft.fft(m.tensor(1.0)),
        lambda m: m.fft.fft(m.zeros(0)),
        lambda m: m.fft.irfft(m.zeros(0, dtype=m.complex64)),
        lambda m: m.fft.fftshift(m.tensor(1.0)),
        lambda m: m.fft.fftfreq(4, dtype=m.int64),
        lambda m: m.fft.rfftfreq(4, dtype=m.int32),
    ],
    ids=[
        "norm",
        "n0",
        "dim",
        "rfft-complex",
        "rfftn-complex",
        "rfft2-complex",
        "ihfft-complex",
        "ihfftn-complex",
        "bf16",
        "s-dim-len",
        "dup-dims",
        "s-too-long",
        "irfft-n0",
        "half",
        "irfft-negative-n",
        "0d",
        "empty",
        "irfft-empty",
        "fftshift-0d",
        "fftfreq-int",
        "rfftfreq-int",
    ],
)
def test_errors(call):
    ours, theirs = _raises_same(call)
    assert ours == theirs


def test_out():
    arr = _rng.standard_normal(6).astype(np.float32)
    for make_out, fn in [
        (lambda m: m.empty(6, dtype=m.complex64), "fft"),
        (lambda m: m.empty(0, dtype=m.complex128), "rfft"),
        (lambda m: m.empty(2, dtype=m.float64), "irfft"),
    ]:
        res = []
        for m in (torch, torchlet):
            o = make_out(m)
            r = getattr(m.fft, fn)(m.tensor(arr), out=o)
            assert r is o
            res.append(o)
        assert str(res[1].dtype).split(".")[-1] == str(res[0].dtype).split(".")[-1]
        _close(res[1], res[0], torch.float32)  # computed in float32, then cast
    for m in (torch, torchlet):
        o = m.empty(3, dtype=m.float64)
        assert m.fft.fftfreq(3, out=o) is o
    np.testing.assert_array_equal(_np(o), _np(torch.fft.fftfreq(3, dtype=torch.float64)))
    _raises_same(lambda m: m.fft.fft(m.randn(4), out=m.empty(4)))
    _raises_same(lambda m: m.fft.fft(m.randn(4, requires_grad=True), out=m.empty(4, dtype=m.complex64)))


@pytest.mark.parametrize("fn", ["fft", "rfft", "fftn", "ihfft"])
def test_non_contiguous_input(fn):
    arr = _rng.standard_normal((5, 4)).astype(np.float64)
    res = []
    for m in (torch, torchlet):
        x = m.tensor(arr, requires_grad=True)
        y = getattr(m.fft, fn)(x.T[:, ::2], dim=0) if fn != "fftn" else m.fft.fftn(x.T[:, ::2])
        y.abs().sum().backward()
        res.append((y, x.grad))
    _close(res[1][0], res[0][0], torch.float64)
    _close(res[1][1], res[0][1], torch.float64)
