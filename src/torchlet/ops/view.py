"""View ops: reshape/view, expand, transpose/permute/t, squeeze/unsqueeze,
flatten. Each result shares memory with its input (where NumPy can) and
carries a `view_fn` so in-place changes to it reach its base's graph."""

import numpy as np

from . import _block_cache, _util
from ._args import int_arg
from ._table import methods
from ._util import Node, attach, method, wrap, wrap_dim, dims_of

__all__ = [
    "reshape",
    "permute",
    "transpose",
    "t",
    "squeeze",
    "unsqueeze",
    "flatten",
    "swapaxes",
    "swapdims",
    "movedim",
    "moveaxis",
    "unflatten",
    "adjoint",
]


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if type(s) is not int:
            return tuple(int_arg(s, "size", "tuple of ints") for s in shape)
    return shape


def _infer(shape, numel, old):
    if shape == old:
        return shape
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
            known *= s
    if -1 in shape:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {shape} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous"
                )
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class ViewBackward0(Node):
    """d(view(a)) = g.reshape(a.shape)"""

    def backward(self, g):
        return g.reshape(self.input_meta[0][0])


class UnsafeViewBackward0(ViewBackward0):
    pass


@method()
def view(self, *shape):
    from .. import _dtype

    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return view_dtype(self, shape[0])
    shape = _infer(_shape_arg(shape), self._data.size, self._data.shape)
    try:
        arr = _reshape_view(self._data, shape)  # raises when the strides do not allow a view
    except (AttributeError, ValueError):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view_out(self, arr, ViewBackward0, lambda b: b.view(shape))


def _reshape_view(x, shape):
    """x reshaped without copying (ValueError when the strides do not allow it)."""
    if x.flags.c_contiguous:
        return x.reshape(shape)
    try:
        return x.reshape(shape, copy=False)
    except TypeError:  # array modules without reshape(copy=...)
        arr = x.view()
        arr.shape = shape
        return arr


_view_out = _util.view


def view_dtype(self, dtype):
    """Reinterpret the bytes as `dtype` (shares memory; no gradient, as in PyTorch)."""
    from .._tensor import _view_of

    x = self._data
    if dtype.itemsize != x.itemsize and x.ndim and x.strides[-1] != x.itemsize:
        raise RuntimeError(
            "self.stride(-1) must be 1 to view "
            f"{self.dtype} as {dtype} (different element sizes), but got {self.stride(-1)}"
        )
    return _view_of(self, x.view(dtype.np))


@method()
def reshape(input, *shape):
    x = input._data
    shape = _infer(_shape_arg(shape), x.size, x.shape)
    try:
        arr = _reshape_view(x, shape)
    except (AttributeError, ValueError):  # strides forbid a view: copy, as PyTorch does
        arr = (_block_cache.contiguous_copy(x) if _block_cache.large(x) else input._xp.ascontiguousarray(x)).reshape(
            shape
        )
        return attach(wrap(arr), UnsafeViewBackward0, (input,))
    return _view_out(input, arr, ViewBackward0, lambda b: b.reshape(shape))


@method()
def view_as(self, other):
    return view(self, other.shape)


@method()
def reshape_as(self, other):
    return reshape(self, other.shape)


class ExpandBackward0(Node):
    """d(expand(a)) = g summed back to a.shape"""

    def backward(self, g):
        from ._util import sum_to_shape

        return sum_to_shape(g, self.input_meta[0][0])


@method()
def expand(self, *sizes):
    sizes = _shape_arg(sizes)
    x = self._data
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand(torch.{self.dtype.name.capitalize()}Tensor{{{list(x.shape)}}}, "
            f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be "
            f"greater or equal to the number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension 0"
                )
            target.append(s)
            continue
        cur = x.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size "
                f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(x.shape)}"
            )
        target.append(s)
    target = tuple(target)
    if target == x.shape:
        return _view_out(self, x.view(), ExpandBackward0, lambda b: b.expand(target))
    xp = self._xp
    arr = _broadcast_view(x, target) if xp is np else xp.broadcast_to(x, target)
    return _view_out(self, arr, ExpandBackward0, lambda b: b.expand(target))


def _broadcast_view(x, target):
    """x broadcast to `target` as a read-only NumPy view with PyTorch's strides (0 on the
    expanded and leading dims; a kept size-1 dim keeps its stride, where np.broadcast_to zeroes
    it). Built with the ndarray constructor where x is contiguous in a built-in dtype (what the
    buffer export needs): 0.5 us against broadcast_to's 3.6, and every reduction's backward
    expands (2x2 sum forward + backward: ~10% of the step); else through as_strided."""
    lead = len(target) - x.ndim
    strides = [0] * lead
    for n, have, stride in zip(target[lead:], x.shape, x.strides):
        strides.append(0 if have != n else stride)
    if not (x.flags.c_contiguous and x.dtype.isbuiltin == 1):
        return np.lib.stride_tricks.as_strided(x, target, strides, writeable=False)
    view = np.ndarray(target, x.dtype, x, 0, strides)
    view.flags.writeable = False
    return view


@method()
def expand_as(self, other):
    return expand(self, other.shape)


class PermuteBackward0(Node):
    """d(permute(a, p)) = g permuted by p's inverse"""

    def backward(self, g):
        inv = [0] * len(self.dims)
        for i, p in enumerate(self.dims):
            inv[p] = i
        return g.permute(inv)


@method()
def permute(input, *dims):
    dims = _shape_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is "
            f"not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_out(input, input._data.transpose(dims), PermuteBackward0, lambda b: b.permute(dims), dims=dims)


class TransposeBackward0(Node):
    """d(transpose(a, i, j)) = g.transpose(i, j)"""

    def backward(self, g):
        return g.transpose(self.dim0, self.dim1)


@method()
def transpose(input, dim0, dim1):
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    arr = input._data.swapaxes(d0, d1) if n else input._data.view()
    return _view_out(input, arr, TransposeBackward0, lambda b: b.transpose(d0, d1), dim0=d0, dim1=d1)


swapaxes = swapdims = transpose
method("swapaxes")(transpose)
method("swapdims")(transpose)


class TBackward0(Node):
    """d(a.t()) = g.t()"""

    def backward(self, g):
        return g.t()


@method()
def t(input):
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _view_out(input, input._data.T, TBackward0, lambda b: b.t())


def _T(self):
    n = self._data.ndim
    if n > 2:
        import warnings

        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=2,
        )
    elif n == 0:
        import warnings

        warnings.warn(
            "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
            UserWarning,
            stacklevel=2,
        )
    return permute(self, tuple(range(n - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


methods.T = property(_T)
methods.mT = property(_mT)
methods.H = property(lambda self: _T(self).conj() if self.is_complex() else _T(self))
methods.mH = property(lambda self: _mT(self).conj() if self.is_complex() else _mT(self))


@method()
def adjoint(input):
    return _mT(input).conj() if input.is_complex() else _mT(input)


class SqueezeBackward0(Node):
    """d(squeeze(a)) = g.reshape(a.shape)"""

    def backward(self, g):
        return g.reshape(self.input_meta[0][0])


SqueezeBackward1 = type("SqueezeBackward1", (SqueezeBackward0,), {})
SqueezeBackward2 = type("SqueezeBackward2", (SqueezeBackward0,), {})
UnsqueezeBackward0 = type("UnsqueezeBackward0", (SqueezeBackward0,), {"__doc__": "d(unsqueeze(a)) = g.squeeze(dim)"})


@method()
def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        cls = SqueezeBackward0
    else:
        dims = dims_of(dim, len(shape) or 1)
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
        cls = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    return _view_out(input, input._data.reshape(new), cls, lambda b: b.squeeze(dim))


@method()
def unsqueeze(input, dim):
    n = input._data.ndim + 1
    d = wrap_dim(dim, n)
    shape = list(input._data.shape)
    shape.insert(d, 1)
    return _view_out(input, input._data.reshape(shape), UnsqueezeBackward0, lambda b: b.unsqueeze(d))


@method()
def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    n = len(shape)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if n == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    mid = 1
    for v in shape[s : e + 1]:
        mid *= v
    return reshape(input, shape[:s] + (mid,) + shape[e + 1 :])


@method()
def unflatten(input, dim, sizes):
    shape = list(input._data.shape)
    d = wrap_dim(dim, len(shape))
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 in sizes:
        if known == 0 or shape[d] % known:
            raise RuntimeError(
                f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim "
                f"{dim} ({shape[d]}) in the input tensor"
            )
        sizes[sizes.index(-1)] = shape[d] // known
    elif known != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
            f"({shape[d]}) in the input tensor"
        )
    return (
        view(input, shape[:d] + sizes + shape[d + 1 :])
        if input._data.flags.c_contiguous
        else reshape(input, shape[:d] + sizes + shape[d + 1 :])
    )


@method()
def movedim(input, source, destination):
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should "
            f"contain the same number of dims as destination ({dst} dims)"
        )
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim
method("moveaxis")(movedim)
