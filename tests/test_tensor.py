"""Tensor basics against PyTorch: NumPy interop, Python conversions,
metadata, type strings, conversions and their gradients, copies, new_*,
deepcopy, requires_grad rules."""

import copy

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, check_error

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)


def both(torch, fn):
    assert_same(fn(torchlet), fn(torch))


def test_from_numpy_and_numpy_share_memory(torch):
    for m in (torchlet, torch):
        a = A.copy()
        t = m.from_numpy(a)
        a[0, 0] = 9.0
        assert t.tolist()[0][0] == 9.0
        t.mul_(2.0)
        assert a[0, 0] == 18.0
        n = t.numpy()
        n[1, 1] = -5.0
        assert t.tolist()[1][1] == -5.0
        assert np.shares_memory(np.asarray(t), a)


def test_array_protocol(torch):
    for m in (torchlet, torch):
        t = m.tensor(A)
        assert np.asarray(t).dtype == np.float32
        np.testing.assert_array_equal(np.array(t), A)
        assert np.asarray(t, dtype=np.float64).dtype == np.float64
    check_error(lambda m: m.tensor(A, requires_grad=True).numpy())


def test_python_conversions(torch):
    def fn(m):
        s = m.tensor(3.5)
        i = m.tensor(7)
        t = m.tensor(A)
        return (
            s.item(),
            float(s),
            int(s),
            bool(s),
            int(i),
            [1, 2, 3, 4, 5, 6, 7, 8][i],
            t.tolist(),
            len(t),
            [r.tolist() for r in t],
            bool(m.tensor([0.0])),
            complex(s),
        )

    both(torch, fn)


def test_conversion_errors(torch):
    check_error(lambda m: m.tensor(A).item())
    check_error(lambda m: bool(m.tensor(A)))
    check_error(lambda m: len(m.tensor(1.0)))
    check_error(lambda m: iter(m.tensor(1.0)))
    check_error(lambda m: [0, 1][m.tensor(1.0)])
    check_error(lambda m: float(m.tensor(A)))


def test_metadata(torch):
    def fn(m):
        t = m.tensor(A)
        tt = t.t()
        return (
            t.size(),
            t.shape,
            t.size(1),
            t.size(-1),
            t.stride(),
            tt.stride(),
            t.stride(0),
            t.is_contiguous(),
            tt.is_contiguous(),
            t.element_size(),
            t.dim(),
            t.ndim,
            t.numel(),
            m.tensor(1, dtype=m.int16).element_size(),
            tt.contiguous().is_contiguous(),
            tt.contiguous().stride(),
            t.nelement(),
            t.ndimension(),
            t.is_leaf,
        )

    both(torch, fn)
    check_error(lambda m: m.tensor(A).size(2))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_type_strings(torch, dt):
    def fn(m):
        t = m.zeros(2, dtype=getattr(m, dt))
        return t.type()

    out = fn(torchlet)
    assert out == fn(torch)
    assert torchlet.zeros(2).type("torch.DoubleTensor").dtype is torchlet.float64


@pytest.mark.parametrize("conv", ["float", "double", "half", "long", "int", "short", "bool", "byte", "char"])
def test_conversion_methods(torch, conv):
    both(torch, lambda m: getattr(m.tensor(A * 3), conv)())


def test_to_and_its_gradient(torch):
    def fn(m):
        x = m.tensor(A, requires_grad=True)
        y = x.to(m.float64)
        z = x.double() * x.to(dtype=m.float64)
        w = x.to(m.float32)
        (y.sum() + z.sum() + w.sum()).backward()
        return y, type(y.grad_fn).__name__, w is x, x.grad, str(x.grad.dtype).split(".")[-1]

    both(torch, fn)


def test_clone_contiguous_detach(torch):
    def fn(m):
        x = m.tensor(A, requires_grad=True)
        c = x.clone()
        t = x.t().contiguous()
        d = x.detach()
        r = [
            type(c.grad_fn).__name__,
            c.data_ptr() != x.data_ptr(),
            d.data_ptr() == x.data_ptr(),
            d.requires_grad,
            x.contiguous() is x,
        ]
        (c * t.t()).sum().backward()
        return r, x.grad

    both(torch, fn)


def test_new_methods(torch):
    def fn(m):
        t = m.tensor(A, dtype=m.float64)
        return (
            t.new_zeros(2, 3),
            t.new_ones((2,)),
            t.new_full((2, 2), 3.5),
            t.new_empty(3).shape,
            t.new_tensor([1, 2]),
            t.new_zeros(2, dtype=m.int32),
            str(t.new_ones(1).dtype).split(".")[-1],
            t.new_tensor([1.0]).requires_grad,
        )

    both(torch, fn)


def test_deepcopy(torch):
    def fn(m):
        x = m.tensor(A, requires_grad=True)
        (x * 2.0).sum().backward()
        y = copy.deepcopy(x)
        r = [y.requires_grad, y.data_ptr() != x.data_ptr(), y.grad.data_ptr() != x.grad.data_ptr()]
        y.detach().add_(1.0)
        return r, x, y, y.grad

    both(torch, fn)
    check_error(lambda m: copy.deepcopy(m.tensor(A, requires_grad=True) * 2.0))


def test_requires_grad_errors(torch):
    check_error(lambda m: m.tensor([1, 2]).requires_grad_())
    check_error(lambda m: m.tensor([1, 2], requires_grad=True))
    check_error(lambda m: setattr(m.tensor([True]), "requires_grad", True))
    both(torch, lambda m: m.tensor([1, 2]).requires_grad_(False).requires_grad)


def test_data_property(torch):
    def fn(m):
        x = m.tensor(A, requires_grad=True)
        d = x.data
        d.mul_(2.0)  # changes x, but is not tracked
        x.data = m.tensor(A * 0)
        return d.requires_grad, d.is_leaf, x, x.requires_grad

    both(torch, fn)
