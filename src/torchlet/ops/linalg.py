"""Matrix products: matmul, mm (the linalg helper extends this file)."""
from ._util import Node, Tensor, attach, method, reduce_grad, wrap

__all__ = ["matmul", "mm"]


def _check_dtypes(a, b, name):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_word(a)} != {_word(b)}")


def _word(t):
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16"}.get(t.dtype.name, t.dtype.name)


class MmBackward0(Node):
    """d(a @ b) = g @ b^T, a^T @ g"""

    def backward(self, g):
        a, b = self.saved_tensors
        return (g.mm(b.t()) if self.needs_input_grad(0) else None,
                a.t().mm(g) if self.needs_input_grad(1) else None)


@method()
def mm(input, mat2, *, out=None):
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        bad = input if input._data.ndim != 2 else mat2
        raise RuntimeError(f"{'self' if bad is input else 'mat2'} must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input._data.shape[0]}x"
                           f"{input._data.shape[1]} and {mat2._data.shape[0]}x{mat2._data.shape[1]})")
    _check_dtypes(input, mat2, "mm")
    return attach(wrap(input._data @ mat2._data), MmBackward0, (input, mat2), (input, mat2))


class MatmulBackward(Node):
    """General matmul: d(a @ b) = g @ b^T, a^T @ g with vectors promoted and
    batch broadcasting summed away."""

    def backward(self, g):
        a, b = self.saved_tensors
        ma, mb = self.input_meta
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if self.needs_input_grad(0):
            ga = reduce_grad(g2.matmul(b2.mT), (a2.shape, ma[1]))
            ga = ga.reshape(ma[0])
        if self.needs_input_grad(1):
            gb = reduce_grad(a2.mT.matmul(g2), (b2.shape, mb[1]))
            gb = gb.reshape(mb[0])
        return ga, gb


@method()
def matmul(input, other, *, out=None):
    x, y = input._data, other._data
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {x.ndim}D and "
                           f"{y.ndim}D")
    if x.ndim == 2 and y.ndim == 2:
        return mm(input, other)
    kx = x.shape[-1]
    ky = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if kx != ky:
        if x.ndim == 1 and y.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{kx}] and src [{ky}] to have "
                               "the same number of elements, but got {kx} and {ky} elements respectively")
        sx = f"{x.shape[0] if x.ndim > 1 else 1}x{kx}" if x.ndim <= 2 else f"{x.size // kx}x{kx}"
        sy = f"{ky}x{y.shape[-1] if y.ndim > 1 else 1}"
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sx} and {sy})")
    _check_dtypes(input, other, "matmul")
    if x.ndim == 1 and y.ndim == 1:
        from .linalg_ext import dot
        return dot(input, other)
    return attach(wrap(x @ y), MatmulBackward, (input, other), (input, other))


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
