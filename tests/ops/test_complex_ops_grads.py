"""Complex tensors against PyTorch: printing, the conjugate bit (is_conj / resolve_conj /
conj_physical), mH / adjoint, forward ops the FFT and tutorials use, and gradients of
holomorphic ops (PyTorch's convention: g_z = g * conj(f'(z)))."""

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same

A = (np.random.default_rng(0).standard_normal((2, 3)) + 1j * np.random.default_rng(1).standard_normal((2, 3))).astype(
    np.complex64
)


def _r(x):
    return repr(x).replace("torchlet.", "torch.")


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor(A),
        lambda m: m.tensor(A.astype(np.complex128)),
        lambda m: m.tensor([1 + 2j, 3.5 - 1j]),
        lambda m: m.tensor([[1e-5 + 2j, 1e5 - 1j]]),
        lambda m: m.tensor(2 + 0j),
        lambda m: m.zeros(2, 2, dtype=m.cfloat),
        lambda m: m.complex(m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0])),
        lambda m: m.polar(m.tensor([1.0, 2.0]), m.tensor([0.5, 1.0])),
        lambda m: m.tensor(A).conj(),
        lambda m: m.tensor(A, requires_grad=True) * 2,
    ],
)
def test_complex_printing(make):
    assert _r(make(torchlet)) == repr(make(torch))


def test_conj_bit():
    for m in (torch, torchlet):
        z = m.tensor(A)
        c = z.conj()
        r = (
            c.is_conj(),
            z.is_conj(),
            c.resolve_conj().is_conj(),
            m.conj_physical(z).is_conj(),
            m.is_conj(c),
            c.conj().is_conj(),
            m.tensor([1.0]).conj().is_conj(),
            c.is_neg(),
            c.resolve_neg().is_conj(),
        )
        if m is torch:
            theirs = r
    assert r == theirs
    assert_same(torchlet.tensor(A).conj().resolve_conj(), torch.tensor(A).conj().resolve_conj())


OPS = {
    "abs": lambda m, z: z.abs(),
    "angle": lambda m, z: z.angle(),
    "exp": lambda m, z: z.exp(),
    "log": lambda m, z: z.log(),
    "sqrt": lambda m, z: z.sqrt(),
    "mul": lambda m, z: z * z,
    "div": lambda m, z: z / (z + 1),
    "add_real": lambda m, z: z + m.ones(3),
    "matmul": lambda m, z: z @ z.mT,
    "mm": lambda m, z: z.mm(z.t()),
    "sum": lambda m, z: z.sum(0),
    "mean": lambda m, z: z.mean(),
    "real": lambda m, z: z.real * 2,
    "imag": lambda m, z: z.imag,
    "sin": lambda m, z: z.sin(),
    "cos": lambda m, z: z.cos(),
    "tanh": lambda m, z: z.tanh(),
    "sigmoid": lambda m, z: z.sigmoid(),
    "pow": lambda m, z: z**2,
    "reciprocal": lambda m, z: z.reciprocal(),
    "neg": lambda m, z: -z,
    "fft": lambda m, z: m.fft.fft(z),
    "ifft": lambda m, z: m.fft.ifft(z),
    "mH": lambda m, z: z.mH,
    "adjoint": lambda m, z: z.adjoint(),
    "H": lambda m, z: z.H,
    "prod": lambda m, z: z.prod(),
    "cumsum": lambda m, z: z.cumsum(1),
    "einsum": lambda m, z: m.einsum("ij,kj->ik", z, z),
    "square": lambda m, z: z.square(),
    "vdot": lambda m, z: m.vdot(z[0], z[1]),
    "linalg_norm": lambda m, z: m.linalg.norm(z),
    "vector_norm": lambda m, z: m.linalg.vector_norm(z, 3, dim=1),
    "mul_scalar": lambda m, z: z * (2 + 1j),
    "conj_mul": lambda m, z: z.conj() * z,
    "view_as_real": lambda m, z: m.view_as_real(z) * 3,
    "exp_i": lambda m, z: m.exp(1j * z.real),
    "log10": lambda m, z: z.log10(),
    "rsqrt": lambda m, z: z.rsqrt(),
    "tan": lambda m, z: z.tan(),
    "sinh": lambda m, z: z.sinh(),
    "cosh": lambda m, z: z.cosh(),
    "expm1": lambda m, z: z.expm1(),
    "bmm": lambda m, z: m.bmm(z[None], z.mT[None]),
    "mv": lambda m, z: m.mv(z, z[0]),
    "dot": lambda m, z: m.dot(z[0], z[1]),
    "outer": lambda m, z: m.outer(z[0], z[1]),
    "addmm": lambda m, z: m.addmm(z[:, :2], z, z.mT),
    "baddbmm": lambda m, z: m.baddbmm(z[None, :, :2], z[None], z.mT[None]),
    "prod_dim": lambda m, z: z.prod(1),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_complex_forward_and_gradient(name):
    res = []
    for m in (torch, torchlet):
        z = m.tensor(A.astype(np.complex128), requires_grad=True)
        out = OPS[name](m, z)
        if m is torch and out.is_conj():  # PyTorch's lazy conjugate view: the values
            out = out.resolve_conj()
        loss = (out.abs() ** 2).sum() if out.is_complex() else (out**2).sum()
        loss.backward()
        res.append((out, z.grad.resolve_conj() if m is torch else z.grad))
    assert_same(res[1], res[0], rtol=1e-9, atol=1e-9)
