"""torchlet.nn.attention.bias: causal masks as objects sdpa understands.

causal_upper_left(L, S):  tril(ones(L, S))               (is_causal=True's mask)
causal_lower_right(L, S): tril(ones(L, S), diagonal=S-L)  (the last query sees every key)

A CausalBias is a bool tensor (printing as its materialized mask) that
F.scaled_dot_product_attention recognises: upper-left (or square) runs as is_causal=True,
lower-right as the materialized mask, as PyTorch does on a CPU.
"""

import warnings
from enum import IntEnum, auto

from ..._tensor import Tensor, _new_leaf

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(IntEnum):
    UPPER_LEFT = auto()
    LOWER_RIGHT = auto()


class CausalBias(Tensor):
    """A causal attention bias of one variant for sequence lengths (seq_len_q, seq_len_kv)."""

    __module__ = "torchlet.nn.attention.bias"

    def __new__(cls, variant, seq_len_q, seq_len_kv):
        if not isinstance(variant, CausalVariant):
            raise AssertionError(f"variant must be a CausalVariant, got {type(variant).__name__}")
        mask = _mask(variant, seq_len_q, seq_len_kv)
        return _new_leaf(cls, mask._data)

    def __init__(self, variant, seq_len_q, seq_len_kv):
        self.variant = variant
        self.seq_len_q = seq_len_q
        self.seq_len_kv = seq_len_kv
        if seq_len_q > seq_len_kv and variant == CausalVariant.LOWER_RIGHT:
            warnings.warn(
                "Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!", stacklevel=3
            )

    def _upper_left(self, device):
        return _mask(CausalVariant.UPPER_LEFT, self.seq_len_q, self.seq_len_kv)

    def _lower_right(self, device):
        return _mask(CausalVariant.LOWER_RIGHT, self.seq_len_q, self.seq_len_kv)

    def _materialize(self, device=None):
        if self.variant == CausalVariant.UPPER_LEFT:
            return self._upper_left(device)
        return self._lower_right(device)

    def __repr__(self, *, tensor_contents=None):
        return repr(self._materialize())


def _mask(variant, L, S):
    from ... import ones, bool as bool_

    diagonal = S - L if variant == CausalVariant.LOWER_RIGHT else 0
    return ones(L, S, dtype=bool_).tril(diagonal)


def causal_upper_left(*size):
    """The upper-left causal bias for size (seq_len_q, seq_len_kv)."""
    if len(size) != 2:
        raise AssertionError("causal_upper_left only supports 2D tensors")
    return CausalBias(CausalVariant.UPPER_LEFT, size[0], size[1])


def causal_lower_right(*size):
    """The lower-right causal bias for size (seq_len_q, seq_len_kv)."""
    if len(size) != 2:
        raise AssertionError("causal_lower_right only supports 2D tensors")
    return CausalBias(CausalVariant.LOWER_RIGHT, size[0], size[1])
