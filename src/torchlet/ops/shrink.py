"""softshrink and hardshrink: zero a band [-lambd, lambd] around 0.

  softshrink(x) = x - l (x > l), x + l (x < -l), 0 elsewhere   d/dx = [|x| > l]
  hardshrink(x) = x (|x| > l), 0 elsewhere                      d/dx = [|x| > l]

Both derivatives are a constant 0/1 mask, so the second derivative is 0; the
backward selects g by it (clamp.zero_where: an inf or NaN gradient inside the
band gives 0, as PyTorch's). NaN passes through both (every comparison with NaN
is false)."""

from ._util import Node, attach, method, wrap
from .clamp import zero_where
from ._out import out_form
from .activation import _WORDS

__all__ = ["softshrink", "hardshrink"]

_LIMITS = {
    "float32": ("3.40282e+38", "Float"),
    "float64": ("1.79769e+308", "Double"),
    "float16": ("65504", "Half"),
    "bfloat16": ("3.38953e+38", "BFloat16"),
}


def _inside(x, lambd):
    """The mask [-l <= x <= l]: False for NaN, which passes g, as PyTorch's scalar loop (its
    vectorised one, for all but the last elements of a long array, gives 0 there)."""
    return (x >= -lambd) & (x <= lambd)


class _ShrinkBackward(Node):
    """d shrink(x)/dx = [|x| > lambd]: g where outside the band, else 0 (a select)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        return zero_where(g, _inside(x._data, self.lambd))


class SoftshrinkBackward0(_ShrinkBackward):
    pass


class HardshrinkBackward0(_ShrinkBackward):
    pass


def _float_or_raise(input, kernel):
    if input.dtype.category < 2:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_WORDS.get(input.dtype.name, input.dtype.name)}'"
        )


def _same_float(name, result_dtype, out_dtype):
    if out_dtype is not result_dtype:
        raise RuntimeError(
            f"Found dtype {_WORDS.get(out_dtype.name, out_dtype.name)} but expected "
            f"{_WORDS.get(result_dtype.name, result_dtype.name)}"
        )


@out_form(dtype=_same_float)
def softshrink(input, lambd=0.5):
    _float_or_raise(input, "softshrink_check")
    if not lambd >= 0:
        hi, word = _LIMITS.get(input.dtype.name, ("inf", input.dtype.name))
        raise RuntimeError(f"lambda must be in range [0, {hi}] for input dtype {word}, but found {lambd:g}")
    xp, x = input._xp, input._data
    lam = x.dtype.type(lambd)
    # x * 0 keeps the sign of a zeroed negative (-0.0) and NaN, as PyTorch's kernel
    out = xp.where(x > lam, x - lam, xp.where(x < -lam, x + lam, x * 0)).astype(x.dtype, copy=False)
    return attach(wrap(out), SoftshrinkBackward0, (input,), (input,), lambd=lam)


@method()
@out_form(dtype=_same_float)
def hardshrink(input, lambd=0.5):
    _float_or_raise(input, "hardshrink_cpu")
    xp, x = input._xp, input._data
    lam = x.dtype.type(lambd)
    out = xp.where((x >= -lam) & (x <= lam), 0, x).astype(x.dtype, copy=False)
    return attach(wrap(out), HardshrinkBackward0, (input,), (input,), lambd=lam)
