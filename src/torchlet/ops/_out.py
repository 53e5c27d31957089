"""The `out=` keyword, for every op, in one place.

An op is written without `out=`; one line declares its out= form:

    @method()                 # Tensor.add: no out= (as in PyTorch)
    @out_form()               # torchlet.add(a, b, out=c)
    def add(input, other, *, alpha=1): ...

`out_form(dtype=...)` names how the out tensor's dtype relates to the result:

  "cast"    (default, TensorIterator ops) the result is cast into out; a cast
            that lowers the category (float -> int, int -> bool, complex -> float)
            raises "result type Float can't be cast to the desired output type Long".
  "exact"   out must have the result's dtype (argmax, nonzero, sort's indices ...):
            "Expected out tensor to have dtype long int, but got float instead".
  "reduce"  a reduction taking `dtype=`: out's dtype is the computation dtype when
            `dtype=` is not given (sum, prod, cumsum ...), as at::sum_out.
  "factory" a creation op: out's dtype is the dtype; a different `dtype=` raises
            "dtype Float does not match dtype of out parameter (Long)".
  "bool" (all/any), "cat" (cat's TypeError), "any" (no check: bernoulli), or a
            function (name, result dtype, out dtype) that raises.

Other keywords say where PyTorch's out= form differs: `needs` (sum's out= overload
requires dim), `resize` (factories resize quietly), `grad`/`grad_name`/`grad_message`
(which autograd error PyTorch raises, and under which op's name). A new op needs
only the decorator (and, if it returns a tuple, nothing more); `plain(fn)` is the op
without out= for binding operators (`Tensor.__add__ = plain(add)`).

A tuple out (`max(x, 0, out=(values, indices))`) holds one tensor per result;
`tuple_dtypes` gives each position's rule (default: "exact" for all).

Then, as in PyTorch (at::native::resize_output and the autograd out= check):
an out of another shape is resized (with PyTorch's UserWarning when it had
elements); under grad mode an out= call whose result would need a gradient
raises RuntimeError; the call returns the out tensor itself (a tuple out: a
`return_types.<op>_out` of the same tensors), written in place so views of
it see the values.

The NumPy-style keyword aliases every out= form also accepts are in `_aliases.py`.
"""

import functools
import inspect
import warnings

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ._aliases import _ALIASES, PYTHON_DEFINED, _params, _rename

__all__ = ["out_form", "plain", "write_out", "check_out_cast"]

_mode = grad_mode._mode

# c10's ScalarType names (error messages) and C++ type names (Expected out tensor ...)
_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)
_CPP = _dtype.CPP_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _word(d):
    return _WORDS[d.name]


# ----- writing a result into out= -------------------------------------------
def _resize_warning(old, new):
    warnings.warn(
        f"An output with one or more elements was resized since it had shape {list(old)}, which does "
        f"not match the required output shape {list(new)}. This behavior is deprecated, and in a "
        "future PyTorch release outputs will not be resized unless they have zero elements. You can "
        "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
        "t.resize_(0).",
        UserWarning,
        stacklevel=5,
    )


def check_out_cast(result_dtype, out_dtype):
    """PyTorch's canCast: no cast that lowers the category (complex -> real, float ->
    integral, non-bool -> bool)."""
    if result_dtype.category > out_dtype.category:
        raise RuntimeError(
            f"result type {_word(result_dtype)} can't be cast to the desired output type {_word(out_dtype)}"
        )


def _check_exact(result_dtype, out_dtype):
    if result_dtype is not out_dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_CPP[result_dtype.name]}, but got {_CPP[out_dtype.name]} instead"
        )


def write_out(res, out, resize="warn"):
    """Copy tensor `res` into `out` (resized when the shapes differ) and return out.
    `resize`: "warn" (PyTorch's deprecation warning when out had elements), "silent"
    (factories resize quietly) or a function (old shape, new shape) -> warning text."""
    src = res._data
    if out._data.shape != src.shape:
        if out._data.size and resize != "silent":
            if resize == "warn":
                _resize_warning(out._data.shape, src.shape)
            else:
                warnings.warn(resize(out._data.shape, src.shape), UserWarning, stacklevel=4)
        out._data = out._xp.empty(src.shape, dtype=out._data.dtype)
    out._xp.copyto(out._data, src, casting="unsafe")
    out._version[0] += 1
    return out


def _needs_grad(res, out):
    """PyTorch refuses out= where the result would be part of a graph."""
    return _mode.enabled and (res._requires_grad or (out._requires_grad and res.dtype.category >= _dtype._FLOAT))


def _grad_error(spec):
    return RuntimeError(
        spec.grad_message
        or (
            f"{spec.grad_name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    )


def _check_grad(spec, res, out, args):
    """Under grad mode: raise PyTorch's error, or (a composite op, as PyTorch's
    CompositeImplicit ones) return True when out should record the copy."""
    if not _mode.enabled:
        return False
    if out._requires_grad and (res.dtype.category >= _dtype._FLOAT or spec.grad == "inputs"):
        if spec.grad == "composite" and spec.grad_message is None and spec.grad_name == spec.name:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        raise _grad_error(spec)
    if spec.grad == "inputs":
        if any(isinstance(a, Tensor) and a._requires_grad for a in _flat(args)):
            raise _grad_error(spec)
    elif res._requires_grad:
        if spec.grad == "composite":
            return True
        raise _grad_error(spec)
    return False


def _flat(args):
    for a in args:
        if isinstance(a, (tuple, list)):
            yield from a
        else:
            yield a


def _bad_out(name, out, want):
    return TypeError(f"{name}(): argument 'out' must be {want}, not {type(out).__name__}")


def _check_needs(fn, name, needs, args, kw):
    given = inspect.signature(fn).bind_partial(*args, **kw).arguments
    missing = [
        n
        for n in needs
        if given.get(n) is None and all(given.get(a) is None for a, target in _ALIASES.items() if target == n)
    ]
    if missing:
        raise TypeError(
            f"{name}() received an invalid combination of arguments: its out= form needs {', '.join(missing)}"
        )


def _bool_only(name, result_dtype, out_dtype):
    if out_dtype is not _dtype.bool:
        raise RuntimeError(f"{name} only supports bool tensor for result, got: {_word(out_dtype)}")


def _cat_cast(name, result_dtype, out_dtype):
    if result_dtype.category > out_dtype.category:
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_word(out_dtype)}")


_CHECKS = {
    "cast": lambda name, r, o: check_out_cast(r, o),
    "exact": lambda name, r, o: _check_exact(r, o),
    "bool": _bool_only,
    "cat": _cat_cast,
    "reduce": None,
    "factory": None,
    "any": None,
}


def _call(fn, spec, args, kw, out):
    rule = spec.dtype
    if rule == "factory":
        want = kw.get("dtype")
        if want is not None and want is not out.dtype:
            raise RuntimeError(f"dtype {_word(want)} does not match dtype of out parameter ({_word(out.dtype)})")
        kw["dtype"] = out.dtype
    elif rule == "reduce" and kw.get("dtype") is None:
        kw["dtype"] = out.dtype
    res = fn(*args, **kw)
    if isinstance(res, tuple):
        raise _bad_out(spec.name, out, "tuple of Tensors")
    record = _check_grad(spec, res, out, args)
    check = _CHECKS[rule] if isinstance(rule, str) else rule
    if check is not None:
        check(spec.name, res.dtype, out.dtype)
    if record:  # out takes the copy into its graph (CopyBackwards), as PyTorch's composite ops
        if out._data.shape != res._data.shape:
            write_out(res.detach(), out, spec.resize)
        return out.copy_(res)
    return write_out(res, out, spec.resize)


def _call_tuple(fn, spec, args, kw, outs):
    if not all(isinstance(o, Tensor) for o in outs):
        raise _bad_out(spec.name, outs, "tuple of Tensors")
    res = fn(*args, **kw)
    if not isinstance(res, tuple):
        raise _bad_out(spec.name, outs, "Tensor")
    if len(outs) != len(res):
        raise RuntimeError(f"{spec.name}(): expected a tuple of {len(res)} out tensors, got {len(outs)}")
    rules = spec.tuple_dtypes or ("exact",) * len(res)
    for r, o, rule in zip(res, outs, rules):
        _check_grad(spec, r, o, args)
        (_check_exact if rule == "exact" else check_out_cast)(r.dtype, o.dtype)
    for r, o in zip(res, outs):
        write_out(r, o, spec.resize)
    out_type = _out_type(type(res))
    return out_type(outs) if out_type is not None else tuple(outs)


def _out_type(res_type):
    if res_type is tuple:
        return None
    from .. import return_types

    return getattr(return_types, res_type.__name__ + "_out", res_type)


class _Spec:
    __slots__ = ("name", "dtype", "tuple_dtypes", "resize", "needs", "grad", "grad_name", "grad_message")


def out_form(
    fn=None,
    *,
    dtype="cast",
    tuple_dtypes=None,
    resize=None,
    needs=(),
    grad="result",
    grad_name=None,
    grad_message=None,
    name=None,
):
    """Declare that op `fn` has PyTorch's out= form (see the module docstring).
    The decorated function is torchlet.<name>; `method()` binds the undecorated
    op (Tensor methods take no out=).

    dtype         a rule name or a function (name, result dtype, out dtype) that raises
    tuple_dtypes  one rule per output of an op returning a tuple (default "exact" each)
    resize        see write_out (default "warn"; "silent" for factories)
    needs         arguments PyTorch's out= overload requires (`sum(x, out=y)` without
                  `dim` is a TypeError)
    grad          when out= refuses autograd: "result" (the result needs a gradient),
                  "inputs" (any input requires grad: argsort, as sort), "composite"
                  (never for inputs: out records the copy, as PyTorch's composite ops)
    grad_name     the op name PyTorch's error names (outer -> "mul", zeros -> "aten::zeros")
    grad_message  PyTorch's whole message, where it is not the usual one
    """
    if fn is None:
        return lambda f: out_form(
            f,
            dtype=dtype,
            tuple_dtypes=tuple_dtypes,
            resize=resize,
            needs=needs,
            grad=grad,
            grad_name=grad_name,
            grad_message=grad_message,
            name=name,
        )
    spec = _Spec()
    spec.name = name = name or fn.__name__
    params = _params(fn)
    if "out" in params:
        raise TypeError(f"{name}: an out_form op computes its result without out=")
    spec.dtype, spec.tuple_dtypes, spec.needs, spec.grad = dtype, tuple_dtypes, needs, grad
    spec.resize = resize or ("silent" if dtype == "factory" else "warn")
    spec.grad_name = grad_name or ("aten::" + name if dtype == "factory" else name)
    spec.grad_message = grad_message

    aliases = name not in PYTHON_DEFINED

    @functools.wraps(fn)
    def op(*args, out=None, **kw):
        if kw and aliases:
            kw = _rename(name, params, kw)
        if out is None:
            return fn(*args, **kw)
        if needs:
            _check_needs(fn, name, needs, args, kw)
        if isinstance(out, (tuple, list)):
            return _call_tuple(fn, spec, args, kw, out)
        if not isinstance(out, Tensor):
            raise _bad_out(name, out, "Tensor")
        return _call(fn, spec, args, kw, out)

    op._aliases = True
    op._op = fn  # the form without out= (what Tensor methods bind)
    op._out = spec
    return op


def plain(fn):
    """The op without its out= form (for Tensor methods and operators bound by hand)."""
    return getattr(fn, "_op", fn)
