"""ONNX nodes for whole layers: LSTM / GRU modules (ONNX's LSTM and GRU ops, one per
layer) and multi-head attention (the op MultiheadAttention calls, written out as
projections, scaled dot products and softmax)."""

import math

import numpy as np

from ._ops import converts, arg
from .errors import UnsupportedOperatorError

# PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}


def _reorder(a, kind):
    blocks = np.split(np.asarray(a), len(_ORDER[kind]), axis=0)
    return np.concatenate([blocks[i] for i in _ORDER[kind]], axis=0)


def rnn_module(g, module, args, kwargs, out):
    kind = type(module).__name__
    if getattr(module, "proj_size", 0):
        raise UnsupportedOperatorError(f"{kind} with proj_size", g.opset)
    x, hx = args[0], arg(args, kwargs, 1, "hx")
    if not hasattr(x, "_data"):
        raise UnsupportedOperatorError(f"{kind} with a PackedSequence input", g.opset)
    D, L, H = 2 if module.bidirectional else 1, module.num_layers, module.hidden_size
    batched = x.dim() == 3
    v = g.val(x)
    if not batched:
        v = g.node("Unsqueeze", [v, g.ints([1])])
    elif module.batch_first:
        v = g.node("Transpose", [v], perm=[1, 0, 2])
    states = [hx] if kind == "GRU" else (list(hx) if hx is not None else [None, None])
    states = [
        None if s is None else (g.val(s) if batched else g.node("Unsqueeze", [g.val(s), g.ints([1])])) for s in states
    ]
    if kind == "GRU" and hx is None:
        states = [None]
    finals = [[] for _ in states]
    for layer in range(L):
        sfx = [f"_l{layer}"] + ([f"_l{layer}_reverse"] if D == 2 else [])
        p = {n: [getattr(module, f"{n}{s}") for s in sfx] for n in ("weight_ih", "weight_hh")}
        W = np.stack([_reorder(w.detach().numpy(), kind) for w in p["weight_ih"]])
        R = np.stack([_reorder(w.detach().numpy(), kind) for w in p["weight_hh"]])
        if module.bias:
            B = np.stack(
                [
                    np.concatenate(
                        [
                            _reorder(getattr(module, f"bias_ih{s}").detach().numpy(), kind),
                            _reorder(getattr(module, f"bias_hh{s}").detach().numpy(), kind),
                        ]
                    )
                    for s in sfx
                ]
            )
        else:
            B = np.zeros((D, 2 * W.shape[1]), dtype=W.dtype)
        init = [
            g.node("Slice", [s, g.ints([layer * D]), g.ints([(layer + 1) * D]), g.ints([0])]) if s is not None else ""
            for s in states
        ]
        ins = [v, g.const(W, "W"), g.const(R, "R"), g.const(B, "B"), ""] + init
        attrs = dict(hidden_size=H, direction="bidirectional" if D == 2 else "forward")
        if kind == "GRU":
            attrs["linear_before_reset"] = 1
        outs = g.node(kind, ins, n_out=1 + (2 if kind == "LSTM" else 1), **attrs)
        y = g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3])  # [T, N, D, H]
        v = g.node("Reshape", [y, g.ints([0, 0, -1])])  # [T, N, D*H]
        for lst, o in zip(finals, outs[1:]):
            lst.append(o)
    if not batched:
        v = g.node("Squeeze", [v, g.ints([1])])
    elif module.batch_first:
        v = g.node("Transpose", [v], perm=[1, 0, 2])
    hs = [g.node("Concat", lst, axis=0) if len(lst) > 1 else lst[0] for lst in finals]
    if not batched:
        hs = [g.node("Squeeze", [h, g.ints([1])]) for h in hs]
    output, state = out
    g.out(output, g.node("Identity", [v]))
    if kind == "GRU":
        g.out(state, g.node("Identity", [hs[0]]))
    else:
        for t, h in zip(state, hs):
            g.out(t, g.node("Identity", [h]))


@converts("multi_head_attention_forward")
def _mha(g, name, args, kwargs, out, fn):
    """softmax(q k^T / sqrt(d) + mask) v per head, with the input and output projections."""
    names = [
        "query",
        "key",
        "value",
        "embed_dim_to_check",
        "num_heads",
        "in_proj_weight",
        "in_proj_bias",
        "bias_k",
        "bias_v",
        "add_zero_attn",
        "dropout_p",
        "out_proj_weight",
        "out_proj_bias",
        "training",
    ]
    a = {n: arg(args, kwargs, i, n) for i, n in enumerate(names)}
    for k in (
        "key_padding_mask",
        "need_weights",
        "attn_mask",
        "use_separate_proj_weight",
        "average_attn_weights",
        "static_k",
        "static_v",
    ):
        a[k] = kwargs.get(k)
    if (
        a["bias_k"] is not None
        or a["add_zero_attn"]
        or a["key_padding_mask"] is not None
        or a["use_separate_proj_weight"]
        or a["static_k"] is not None
    ):
        raise UnsupportedOperatorError(
            "aten::_native_multi_head_attention with bias_kv / zero attention / "
            "key_padding_mask / separate projections",
            g.opset,
        )
    if a["training"] and a["dropout_p"]:
        raise UnsupportedOperatorError("multi-head attention dropout in training mode", g.opset)
    q_in = a["query"]
    E, H = q_in.shape[-1], a["num_heads"]
    hd = E // H
    batched = q_in.dim() == 3
    W = a["in_proj_weight"].detach().numpy()
    b = a["in_proj_bias"].detach().numpy() if a["in_proj_bias"] is not None else None
    heads = []
    for i, t in enumerate((a["query"], a["key"], a["value"])):
        v = g.val(t)
        if not batched:
            v = g.node("Unsqueeze", [v, g.ints([1])])
        v = g.node("MatMul", [v, g.const(np.ascontiguousarray(W[i * E : (i + 1) * E].T), "in_proj_w")])
        if b is not None:
            v = g.node("Add", [v, g.const(b[i * E : (i + 1) * E], "in_proj_b")])
        v = g.node("Reshape", [v, g.ints([0, -1, hd])])  # [L, N*H, hd]
        heads.append(g.node("Transpose", [v], perm=[1, 0, 2]))  # [N*H, L, hd]
    q, k, v = heads
    q = g.node("Mul", [q, g.const(np.array(1.0 / math.sqrt(hd), dtype=W.dtype))])
    s = g.node("MatMul", [q, g.node("Transpose", [k], perm=[0, 2, 1])])  # [N*H, L, S]
    mask = a["attn_mask"]
    if mask is not None:
        m = mask.detach().numpy()
        if m.dtype == np.bool_:
            m = np.where(m, -np.inf, 0.0).astype(W.dtype)
            mv = g.const(m, "attn_mask")
        else:
            mv = g.val(mask)
        s = g.node("Add", [s, mv])
    p = g.node("Softmax", [s], axis=-1)
    o = g.node("Transpose", [g.node("MatMul", [p, v])], perm=[1, 0, 2])  # [L, N*H, hd]
    o = g.node("Reshape", [o, g.ints([0, -1, E])])
    o = g.node("MatMul", [o, g.const(np.ascontiguousarray(a["out_proj_weight"].detach().numpy().T), "out_w")])
    if a["out_proj_bias"] is not None:
        o = g.node("Add", [o, g.val(a["out_proj_bias"])])
    if not batched:
        o = g.node("Squeeze", [o, g.ints([1])])
    result, weights = out
    g.out(result, o)
    if weights is not None:
        w = g.node("Reshape", [p, g.ints([-1, H, p_shape(q_in, a["key"])[0], p_shape(q_in, a["key"])[1]])])
        if a["average_attn_weights"] is None or a["average_attn_weights"]:
            w = (
                g.node("ReduceMean", [w, g.ints([1])], keepdims=0)
                if g.opset >= 18
                else g.node("ReduceMean", [w], axes=[1], keepdims=0)
            )
        if not batched:
            w = g.node("Squeeze", [w, g.ints([0])])
        g.out(weights, w)


def p_shape(q, k):
    return q.shape[0], k.shape[0]
