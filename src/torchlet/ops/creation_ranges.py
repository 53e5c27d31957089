"""Ranges: arange, range (deprecated), linspace and logspace, with PyTorch's kernels'
arithmetic (linspace counts up from start for the first half and down from end for the rest)."""

import math
import warnings
import numpy as np
from .. import _dtype
from .._device import namespace_for
from ._util import Tensor
from ._out import out_form
from .creation_data import _finish

__all__ = ["arange", "range", "linspace", "logspace", "is_tensor", "numel"]


# ----- ranges --------------------------------------------------------------------
def _num(x):
    if isinstance(x, (Tensor, np.generic)):
        return x.item()
    return x


def _arange_resize(old, new):
    n = 1
    for d in old:
        n *= d
    return (
        f"The number of elements in the out tensor of shape {list(old)} is {n} which does not "
        f"match the computed number of elements {new[0]}. Note that this may occur as a result "
        f"of rounding error. The out tensor will be resized to a tensor of shape ({new[0]},)."
    )


@out_form(dtype="factory", resize=_arange_resize)
def arange(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[start, end) by step: ceil((end - start) / step) values start + i*step;
    int64 unless an argument is a float (then the default dtype)."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    if dtype is _dtype.bool or dtype.category == 3:
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{'Bool' if dtype is _dtype.bool else dtype.name}'"
        )
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = math.ceil((end - start) / step)
    xp = namespace_for(device)
    if dtype.category >= 2:
        arr = (xp.arange(n, dtype=np.float64) * float(step) + float(start)).astype(dtype.np)
    else:  # start and step are cast to the integer type first, as torch does
        arr = (int(start) + xp.arange(n, dtype=np.int64) * int(step)).astype(dtype.np, copy=False)
    return _finish(arr, dtype, None, requires_grad)


@out_form(dtype="factory", resize=_arange_resize)
def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated torch.range: includes `end`; default float dtype."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    arr = namespace_for(device).arange(max(n, 0)) * step + start
    return _finish(arr.astype(dtype.np), dtype, None, requires_grad)


def _lin(start, end, steps, dtype, xp):
    """torch's linspace kernel: the first half counts up from start, the rest
    down from end, in the dtype's own precision (double steps for integers)."""
    if dtype.category >= 2:
        work = dtype.np if dtype.name in ("float32", "float64", "complex64", "complex128") else np.dtype(np.float32)
    else:
        work = np.dtype(np.float64)
    s, e = work.type(start), work.type(end)
    if steps == 1:
        return xp.full((1,), s, dtype=work)
    step = (e - s) / work.type(steps - 1)
    # torch evaluates start + step*i with a fused multiply-add; for float32 (and
    # halves) doing it in float64 and rounding once gives the same numbers
    acc = np.complex128 if work.kind == "c" else np.float64
    idx = xp.arange(steps, dtype=acc)
    s, e, step = acc(s), acc(e), acc(step)
    half = steps // 2
    out = xp.where(xp.arange(steps) < half, s + step * idx, e - step * (steps - 1 - idx))
    return out.astype(work) if work.kind != "f" or work.itemsize < 8 else out


def _steps(steps, name):
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got steps of type {type(steps).__name__}"
        )
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _range_dtype(dtype, start, end, name):
    if dtype is None:
        dtype = _dtype.get_default_dtype()
        if isinstance(start, complex) or isinstance(end, complex):
            dtype = _dtype.complex128 if dtype is _dtype.float64 else _dtype.complex64
    if dtype is _dtype.bool:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    return dtype


@out_form(dtype="factory")
def linspace(start, end, steps, *, dtype=None, layout=None, device=None, requires_grad=False):
    steps = _steps(steps, "linspace")
    start, end = _num(start), _num(end)
    dtype = _range_dtype(dtype, start, end, "linspace")
    xp = namespace_for(device)
    if steps == 0:
        return _finish(xp.zeros((0,), dtype=dtype.np), dtype, None, requires_grad)
    return _finish(_lin(start, end, steps, dtype, xp).astype(dtype.np), dtype, None, requires_grad)


@out_form(dtype="factory")
def logspace(start, end, steps, base=10.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """base ** linspace(start, end): exponents in the dtype's precision, the power in double."""
    steps = _steps(steps, "logspace")
    start, end = _num(start), _num(end)
    dtype = _range_dtype(dtype, start, end, "logspace")
    xp = namespace_for(device)
    if steps == 0:
        return _finish(xp.zeros((0,), dtype=dtype.np), dtype, None, requires_grad)
    # integer dtypes: exponents in double, the power truncated (logspace(0, 1, 5) -> 1, 1, 3, 5, 10)
    exps = _lin(start, end, steps, dtype if dtype.category >= 2 else _dtype.float64, xp)
    vals = xp.power(
        complex(base) if dtype.category == 3 else float(base),
        exps.astype(np.complex128 if dtype.category == 3 else np.float64),
    )
    return _finish(vals.astype(dtype.np), dtype, None, requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
