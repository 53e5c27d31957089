"""The dtype cast behind Tensor.to / .float() / .long() ... and its node (the
in-place protocol in _util.py records it too, so it sits below every op file)."""

from .._tensor import wrap
from ..autograd.graph import Node, attach

__all__ = ["ToCopyBackward0", "cast"]


class ToCopyBackward0(Node):
    """d(cast(a)) = cast back(g) (a real input keeps real(g))"""

    def backward(self, g):
        if g._data.dtype.kind == "c" and not self.src_dtype.is_complex:
            g = g.real
        return g.to(self.src_dtype)


def cast(input, dtype, copy=False):
    """The dtype conversion behind Tensor.to / .float() / .long() ..."""
    if input._data.dtype == dtype.np and not copy:
        return input
    res = wrap(input._data.astype(dtype.np))
    if dtype.category >= 2 and input.dtype.category >= 2:
        return attach(res, ToCopyBackward0, (input,), src_dtype=input.dtype)
    return res
