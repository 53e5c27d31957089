"""The complex surface torchlet.fft needs, against PyTorch: printing, real/
imag/view_as_real/view_as_complex/conj/angle/complex/polar/abs values, the
gradients PyTorch defines for complex tensors, and error classes."""

import numpy as np
import pytest
import torch

import torchlet

Z = np.array([1 + 2j, -3 - 1j, 0.5 - 0j, -0.25 + 4j], dtype=np.complex64)
W = np.array([1 + 1j, 2, 3j, -1 - 0.5j], dtype=np.complex64)


def _np(t):
    t = t.detach()
    return t.resolve_conj().resolve_neg().numpy() if isinstance(t, torch.Tensor) else t._data


@pytest.mark.parametrize(
    "vals",
    [
        [1 + 2j, 3 - 1j],
        [0j, -1.5 + 0.25j, 100 + 1e-3j],
        [[1j, 2], [3, -4j]],
        [1e10 + 1j],
        [float("nan") + 1j, float("inf") - 2j],
    ],
)
@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_printing(vals, dt):
    assert str(torchlet.tensor(vals, dtype=getattr(torchlet, dt))) == str(
        torch.tensor(vals, dtype=getattr(torch, dt))
    ).replace("torch.", "torchlet.")


LOSSES = {
    "real": lambda m, z, w: z.real.sum(),
    "imag": lambda m, z, w: (z.imag * m.arange(4.0)).sum(),
    "abs": lambda m, z, w: z.abs().sum(),
    "angle": lambda m, z, w: z.angle().sum(),
    "view_as_real": lambda m, z, w: (m.view_as_real(z) * m.arange(8.0).reshape(4, 2)).sum(),
    "conj": lambda m, z, w: (z.conj() * w).real.sum(),
    "mul": lambda m, z, w: (z * w).imag.sum() + (z * z).abs().sum(),
    "add_sum": lambda m, z, w: (z + w).sum().abs(),
    "div": lambda m, z, w: (w / z).imag.sum() + (z / w).real.sum() + (z / (2 - 1j)).imag.sum(),
    "polar": lambda m, z, w: m.polar(z.abs(), z.angle()).imag.sum(),
    "view_as_complex": lambda m, z, w: m.view_as_complex(m.view_as_real(z) * 2).real.sum(),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_values_and_gradients(name):
    out = []
    for m in (torch, torchlet):
        z = m.tensor(Z, requires_grad=True)
        y = LOSSES[name](m, z, m.tensor(W))
        y.backward()
        out.append((_np(y), _np(z.grad), str(y.dtype).split(".")[-1]))
    (yt, gt, dt), (yo, go, do) = out
    assert dt == do
    np.testing.assert_allclose(yo, yt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(go, gt, rtol=1e-5, atol=1e-6)


def test_real_input_times_complex_gradient():
    out = []
    for m in (torch, torchlet):
        x = m.tensor([1.0, -2, 3, 0.5], requires_grad=True)
        (x * m.tensor(W)).abs().sum().backward()
        out.append(x.grad)
    assert out[1].dtype is torchlet.float32
    np.testing.assert_allclose(_np(out[1]), _np(out[0]), rtol=1e-5)


def test_forward_values():
    for fn in (
        lambda m, z: m.view_as_real(z),
        lambda m, z: z.real,
        lambda m, z: z.imag,
        lambda m, z: z.angle(),
        lambda m, z: z.conj(),
        lambda m, z: z.abs(),
        lambda m, z: m.complex(z.real, z.imag),
        lambda m, z: m.angle(m.tensor([-1.0, 0, 2])),
    ):
        a, b = fn(torch, torch.tensor(Z)), fn(torchlet, torchlet.tensor(Z))
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-6)


def test_views_share_memory():
    z = torchlet.tensor(Z.copy())
    r = torchlet.view_as_real(z)
    r[0, 0] = 7
    z.imag[1] = 9
    assert complex(z._data[0]) == 7 + 2j and complex(z._data[1]) == -3 + 9j


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.randn(3).imag,
        lambda m: m.view_as_real(m.randn(3)),
        lambda m: m.view_as_complex(m.randn(3, 3)),
        lambda m: m.view_as_complex(m.randn(3, 2, dtype=m.float64).long()),
        lambda m: m.complex(m.randn(2), m.randn(2, dtype=m.float64)),
        lambda m: m.complex(m.randn(2).long(), m.randn(2).long()),
    ],
)
def test_errors(call):
    res = []
    for m in (torch, torchlet):
        try:
            call(m)
            res.append(None)
        except Exception as e:
            res.append(e)
    assert res[0] is not None and res[1] is not None, res
    assert type(res[1]) is type(res[0]) or type(res[1]).__name__ == type(res[0]).__name__, res
