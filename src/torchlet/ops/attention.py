"""Attention: scaled_dot_product_attention and the multi-head attention
forward behind nn.MultiheadAttention, composed of Tensor ops (matmul,
softmax, dropout), so autograd needs nothing special here.

    attention(Q, K, V) = softmax(Q K^T * scale + mask) V

Masks: in scaled_dot_product_attention a bool mask says where attention is
*allowed* (True = attend); in multi_head_attention_forward a bool
attn_mask / key_padding_mask says what is *masked out* (True = ignore), as
in PyTorch. Float masks are added to the scores in both.
"""

import math

from .. import _dtype
from ._util import broadcast_shapes
from .attention_fused import _neg_inf_mask, _probabilities, fused_attention

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


_DT = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "bool": "bool",
    "uint8": "unsigned char",
}


def _sdpa_checks(query, key, value, attn_mask, dropout_p, enable_gqa):
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            f"Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead."
        )
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        n = [_DT.get(t.dtype.name, t.dtype.name) for t in (query, key, value)]
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{n[0]} key.dtype: {n[1]} and value.dtype: {n[2]} instead."
        )
    if attn_mask is not None and attn_mask.dtype is not _dtype.bool and attn_mask.dtype is not query.dtype:
        raise RuntimeError(
            f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {_DT.get(attn_mask.dtype.name, attn_mask.dtype.name)} and  "
            f"query.dtype: {_DT.get(query.dtype.name, query.dtype.name)} instead."
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa and query.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in query")


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """softmax(Q K^T * scale + mask) V with PyTorch's rules: a bool mask marks what may be
    attended, a float mask is added; rows that may attend nothing give 0 (PyTorch's safe
    softmax), and their gradient is 0. Dropout on the weights draws from the default
    generator as torch.dropout does. enable_gqa repeats key/value heads to the query's."""
    from ..nn.attention import _check_backend
    from ..nn.attention.bias import CausalBias, CausalVariant
    from .dropout import dropout

    if getattr(query, "is_nested", False):  # torch.nested: attention within each sequence
        return query._nested_apply(
            scaled_dot_product_attention,
            key,
            value,
            attn_mask=attn_mask,
            dropout_p=dropout_p,
            is_causal=is_causal,
            scale=scale,
            enable_gqa=enable_gqa,
        )
    if isinstance(attn_mask, CausalBias):
        if is_causal:
            raise ValueError("CausalBias should not be used with causal=True")
        if attn_mask.seq_len_q == attn_mask.seq_len_kv or attn_mask.variant == CausalVariant.UPPER_LEFT:
            attn_mask, is_causal = None, True
        else:
            attn_mask = attn_mask._materialize()
    _sdpa_checks(query, key, value, attn_mask, dropout_p, enable_gqa)
    _check_backend(query, key, value, dropout_p)
    E = query.shape[-1]
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        key = key.repeat_interleave(query.shape[-3] // key.shape[-3], -3)
        value = value.repeat_interleave(query.shape[-3] // value.shape[-3], -3)
    s = 1.0 / math.sqrt(E) if scale is None else scale
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if _fused(query, key, value, attn_mask, dropout_p):
        return fused_attention(query, key, value, attn_mask, is_causal, s)
    attn = _probabilities(query, key, attn_mask, is_causal, s)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return attn.matmul(value)


def _fused(query, key, value, attn_mask, dropout_p):
    """Whether attention_fused.py computes it: PyTorch's fused CPU kernel's inputs (4-D, one
    batch shape, float32/float64, no dropout), and a mask that needs no gradient and broadcasts
    to the scores."""
    if dropout_p > 0.0 or query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        return False
    if query.shape[:2] != key.shape[:2] or key.shape[:3] != value.shape[:3] or query.shape[3] != key.shape[3]:
        return False
    if 0 in query.shape or 0 in key.shape or 0 in value.shape:
        return False
    if query.dtype not in (_dtype.float32, _dtype.float64) or getattr(query, "is_nested", False):
        return False
    if attn_mask is None:
        return True
    scores = tuple(query.shape[:-1]) + (key.shape[-2],)
    if attn_mask.requires_grad or attn_mask.dim() > 4:
        return False
    try:
        return broadcast_shapes(tuple(attn_mask.shape), scores) == scores
    except RuntimeError:
        return False


def _float_mask(mask, name, dtype):
    if mask is None:
        return None
    if mask.dtype is _dtype.bool:
        return _neg_inf_mask(mask, dtype, False)
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _in_projection(query, key, value, E, in_proj_weight, in_proj_bias, q_w, k_w, v_w):
    from .linear import linear

    if in_proj_weight is not None:
        ws = (in_proj_weight[:E], in_proj_weight[E : 2 * E], in_proj_weight[2 * E :])
    else:
        ws = (q_w, k_w, v_w)
    bs = (None,) * 3 if in_proj_bias is None else (in_proj_bias[:E], in_proj_bias[E : 2 * E], in_proj_bias[2 * E :])
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), ws, bs))


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """Inputs (L, N, E) / (S, N, E) or unbatched (L, E); returns (output, weights or None)."""
    from .softmax import softmax
    from .creation import zeros
    from .dropout import dropout
    from .linear import linear
    from .joining import cat

    batched = query.dim() == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    H = num_heads
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    hd = E // H
    if hd * H != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {H}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    dt = query.dtype
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", dt)
    attn_mask = _float_mask(attn_mask, "attn_mask", dt)
    q, k, v = _in_projection(
        query,
        key,
        value,
        E,
        None if use_separate_proj_weight else in_proj_weight,
        in_proj_bias,
        q_proj_weight,
        k_proj_weight,
        v_proj_weight,
    )
    if attn_mask is not None:
        S0 = key.shape[0]
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S0):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be {(L, S0)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * H, L, S0):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be {(N * H, L, S0)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, N, E)])
        v = cat([v, bias_v.expand(1, N, E)])
        if attn_mask is not None:
            attn_mask = cat([attn_mask, zeros(attn_mask.shape[0], L, 1, dtype=dt)], 2)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, zeros(N, 1, dtype=dt)], 1)
    q = q.reshape(L, N * H, hd).transpose(0, 1)
    k = k.reshape(k.shape[0], N * H, hd).transpose(0, 1) if static_k is None else static_k  # N may be 0
    v = v.reshape(v.shape[0], N * H, hd).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = cat([k, zeros(N * H, 1, hd, dtype=dt)], 1)
        v = cat([v, zeros(N * H, 1, hd, dtype=dt)], 1)
        if attn_mask is not None:
            attn_mask = cat([attn_mask, zeros(attn_mask.shape[0], L, 1, dtype=dt)], 2)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, zeros(N, 1, dtype=dt)], 1)
    S = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(N, S)}, but got {tuple(key_padding_mask.shape)}"
            )
        kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * (1.0 / math.sqrt(hd))).matmul(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    w = softmax(scores, -1)
    if dropout_p > 0.0:
        w = dropout(w, dropout_p, training=True)
    out = w.matmul(v).transpose(0, 1).reshape(L * N, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
    weights = None
    if need_weights:
        weights = w.reshape(N, H, L, S)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    if not batched:
        out = out.squeeze(1)
    return out, weights
