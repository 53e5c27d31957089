"""`assert_close(actual, expected)`: PyTorch's comparison of tensors, Python scalars,
sequences and mappings.

Two values are close where |actual - expected| <= atol + rtol * |expected| (NaNs
equal only with equal_nan). Omitted tolerances come from the dtypes (the looser
of the two); integer and bool values must be equal. Failures raise AssertionError
with PyTorch's message: mismatched-element count, greatest absolute and relative
difference and where, the allowed tolerance, and the item path inside containers.
"""

import collections.abc as _abc
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor

# (rtol, atol) per dtype, as torch.testing
_TOLS = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
_SCALARS = (bool, int, float, complex)


class _Failure(Exception):
    def __init__(self, cls, msg):
        self.cls, self.msg = cls, msg


def _tols(dtypes, rtol, atol):
    if (rtol is None) ^ (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    if rtol is not None:
        return rtol, atol
    pairs = [_TOLS.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _torch_name(x):
    return "torch" + repr(x)[len("torchlet") :] if repr(x).startswith("torchlet") else repr(x)


def _attr_mismatch(name, a, e):
    return _Failure(
        AssertionError, f"The values for attribute '{name}' do not match: {_torch_name(a)} != {_torch_name(e)}."
    )


def _fmt(v):
    return repr(v.item() if isinstance(v, np.generic) else v)


def _scalar_msg(a, e, rtol, atol, equal):
    a_num, e_num = (int(a) if isinstance(a, bool) else a), (int(e) if isinstance(e, bool) else e)
    abs_diff = abs(a_num - e_num)
    rel_diff = abs_diff / abs(e_num) if e_num != 0 else (math.nan if abs_diff == 0 else math.inf)
    word = "equal" if equal else "close"
    tail_a = "" if equal else f" (up to {atol} allowed)"
    tail_r = "" if equal else f" (up to {rtol} allowed)"
    return (
        f"Scalars are not {word}!\n\nExpected {e} but got {a}.\n"
        f"Absolute difference: {abs_diff}{tail_a}\nRelative difference: {rel_diff}{tail_r}"
    )


def _isclose(a, e, rtol, atol, equal_nan):
    if a.dtype.kind in "biu":
        return a == e
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
        close = (a == e) | (np.isfinite(diff) & (diff <= atol + rtol * np.abs(e)))
    if equal_nan:
        close |= np.isnan(a) & np.isnan(e)
    return close


def _first_max(x):
    flat = x.reshape(-1)
    nan = np.isnan(flat)
    i = int(np.argmax(nan)) if nan.any() else int(np.argmax(flat))
    return flat[i].item(), i


def _compare_arrays(a, e, rtol, atol, equal_nan, zero_dim):
    if a.size == 0:
        return
    equal = rtol == 0 and atol == 0
    if zero_dim and not _isclose(a, e, rtol, atol, equal_nan).all():
        raise _Failure(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol, equal))
    if a.dtype.kind == "b":
        a, e = a.astype(np.int64), e.astype(np.int64)
    close = _isclose(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    integer = a.dtype.kind in "iu"
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if integer:
            abs_diff = np.abs(a.astype(np.int64) - e.astype(np.int64))
            rel = abs_diff.astype(_dtype.get_default_dtype().np) / np.abs(e).astype(_dtype.get_default_dtype().np)
        else:
            abs_diff = np.abs(a - e)
            rel = abs_diff / np.abs(e)
    # matching elements don't count towards the greatest differences
    abs_diff = np.where(close, 0, abs_diff)
    rel = np.where(close, 0, rel)
    max_abs, i_abs = _first_max(abs_diff)
    max_rel, i_rel = _first_max(rel)
    where = lambda i: tuple(int(k) for k in np.unravel_index(i, a.shape))
    n, total = int((~close).sum()), close.size
    word = "equal" if equal else "close"
    tail_a = "" if equal else f" (up to {atol} allowed)"
    tail_r = "" if equal else f" (up to {rtol} allowed)"
    raise _Failure(
        AssertionError,
        (
            f"Tensor-likes are not {word}!\n\n"
            f"Mismatched elements: {n} / {total} ({n / total:.1%})\n"
            f"Greatest absolute difference: {max_abs} at index {where(i_abs)}{tail_a}\n"
            f"Greatest relative difference: {max_rel} at index {where(i_rel)}{tail_r}"
        ),
    )


def _host(t):
    a = t.detach()._data
    if not isinstance(a, np.ndarray):
        a = a.get() if hasattr(a, "get") else np.asarray(a)
    return a


def _compare_tensors(a, e, rtol, atol, equal_nan, check_device, check_dtype, check_stride):
    if a.shape != e.shape:
        raise _attr_mismatch("shape", a.shape, e.shape)
    if check_device and a.device != e.device:
        raise _attr_mismatch("device", a.device, e.device)
    if check_dtype and a.dtype is not e.dtype:
        raise _attr_mismatch("dtype", a.dtype, e.dtype)
    if check_stride and a.stride() != e.stride():
        raise _attr_mismatch("stride()", a.stride(), e.stride())
    rtol, atol = _tols((a.dtype.name, e.dtype.name), rtol, atol)
    common = _dtype.promote_types(a.dtype, e.dtype)
    if common.name in ("float16", "bfloat16"):
        common = _dtype.float32  # compared upcast, as PyTorch
    xa, xe = _host(a), _host(e)
    xa, xe = xa.astype(common.np, copy=False), xe.astype(common.np, copy=False)
    _compare_arrays(xa, xe, rtol, atol, equal_nan, zero_dim=a.ndim == 0)


def _compare_scalars(a, e, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(a) is not type(e):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
    kinds = [{bool: "bool", int: "int64", float: "float64", complex: "complex128"}[type(x)] for x in (a, e)]
    rtol, atol = _tols(kinds, rtol, atol)
    if a == e or (equal_nan and isinstance(a, float) and isinstance(e, float) and math.isnan(a) and math.isnan(e)):
        return
    if not isinstance(a, complex) and not isinstance(e, complex):
        if abs(a - e) <= atol + rtol * abs(e):
            return
    elif abs(a - e) <= atol + rtol * abs(e):
        return
    raise _Failure(AssertionError, _scalar_msg(a, e, rtol, atol, rtol == 0 and atol == 0))


def _compare(a, e, path, kw):
    if a is None or e is None:  # PyTorch's NonePair
        if a is None and e is None:
            return
        f = _Failure(AssertionError, f"None mismatch: {a} is not {e}")
        if path:
            f.msg += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
        raise f
    try:
        if isinstance(a, Tensor) and isinstance(e, Tensor):
            return _compare_tensors(
                a, e, kw["rtol"], kw["atol"], kw["equal_nan"], kw["check_device"], kw["check_dtype"], kw["check_stride"]
            )
        if isinstance(a, _SCALARS) and isinstance(e, _SCALARS) and not isinstance(a, Tensor):
            return _compare_scalars(a, e, kw["rtol"], kw["atol"], kw["equal_nan"], kw["check_dtype"])
    except _Failure as f:
        if path:
            f.msg += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
        raise
    if (
        isinstance(a, _abc.Sequence)
        and isinstance(e, _abc.Sequence)
        and not isinstance(a, str)
        and not isinstance(e, str)
    ):
        if len(a) != len(e):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(a)} != {len(e)}")
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, path + (i,), kw)
        return
    if isinstance(a, _abc.Mapping) and isinstance(e, _abc.Mapping):
        if set(a) != set(e):
            raise _Failure(
                AssertionError,
                (
                    "The keys of the mappings do not match:\n"
                    f"Missing keys in the actual mapping: {sorted(set(e) - set(a))}\n"
                    f"Additional keys in the actual mapping: {sorted(set(a) - set(e))}"
                ),
            )
        for k in e:
            _compare(a[k], e[k], path + (k,), kw)
        return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.")


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses=True,
    rtol=None,
    atol=None,
    equal_nan=False,
    check_device=True,
    check_dtype=True,
    check_layout=True,
    check_stride=False,
    msg=None,
):
    """Raise AssertionError unless `actual` and `expected` are close (see the module docstring)."""
    __tracebackhide__ = True
    kw = dict(
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=check_device,
        check_dtype=check_dtype,
        check_stride=check_stride,
    )
    try:
        _compare(actual, expected, (), kw)
    except _Failure as f:
        if f.cls is AssertionError and msg is not None:
            text = msg(f.msg) if callable(msg) else msg
        else:
            text = f.msg
        raise f.cls(text) from None


_ALLCLOSE_TOLS = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated since PyTorch 1.12: assert_close with looser float tolerances, NaNs equal,
    dtypes not checked, and non-tensors converted (expected to actual's dtype)."""
    import warnings
    from .. import tensor

    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
        "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
        "instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_TOLS.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=True,
        check_dtype=False,
        check_stride=False,
        msg=msg or None,
    )
