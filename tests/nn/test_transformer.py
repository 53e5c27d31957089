"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder against PyTorch (same state_dict, dropout=0)."""

import numpy as np
import pytest

from tests.oracle import Op, assert_same, check_error, check_op

TOL = dict(rtol=1e-4, atol=1e-5)


def _causal_bool(m, L, S):
    return m.ones(L, S, dtype=m.bool).tril()


OPS = [
    Op(
        "sdpa",
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v),
        [((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)), ((4, 5), (6, 5), (6, 3))],
    ),
    Op(
        "sdpa_scale",
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3),
        [((2, 4, 5), (2, 6, 5), (2, 6, 3))],
    ),
    Op(
        "sdpa_causal",
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        [((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)), ((2, 4, 4), (2, 6, 4), (2, 6, 4))],
    ),
    Op(
        "sdpa_float_mask",
        lambda m, q, k, v, a: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=a),
        [((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), (4, 6)), ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), (2, 1, 4, 6))],
    ),
    Op(
        "sdpa_bool_mask",
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=_causal_bool(m, 4, 6)),
        [((2, 4, 5), (2, 6, 5), (2, 6, 5))],
    ),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_sdpa_dropout(torch):
    import torchlet

    q = torchlet.randn(2, 4, 8)
    out = torchlet.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert tuple(out.shape) == (2, 4, 8)
    check_error(
        lambda m: m.nn.functional.scaled_dot_product_attention(
            m.ones(2, 3, 4), m.ones(2, 3, 4), m.ones(2, 3, 4), attn_mask=m.ones(3, 3), is_causal=True
        )
    )


def _load(ours, theirs):
    import torchlet

    ours.load_state_dict(
        {k: torchlet.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}, strict=True
    )


def _perturb(theirs):
    import torch

    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.rand_like(p) * 0.2 - 0.1)


def _grads_match(ours, theirs, xs_o, xs_t):
    for a, b in zip(xs_o, xs_t):
        assert_same(a.grad, b.grad, **TOL)
    for (k, p), (k2, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        assert_same(p.grad, q.grad, rtol=1e-4, atol=1e-4, what=k)


MHA = [
    (dict(), {}),
    (dict(batch_first=True), {}),
    (dict(bias=False), {}),
    (dict(kdim=3, vdim=5), {}),
    (dict(), dict(need_weights=False)),
    (dict(), dict(average_attn_weights=False)),
    (dict(), dict(attn_mask="bool")),
    (dict(), dict(attn_mask="float")),
    (dict(), dict(key_padding_mask="bool")),
    (dict(batch_first=True), dict(key_padding_mask="float", attn_mask="bool")),
    (dict(), dict(attn_mask="3d")),
    (dict(add_bias_kv=True, add_zero_attn=True), dict(key_padding_mask="bool")),
]


def _masks(m, spec, L, S, N, H):
    out = {}
    rng = np.random.default_rng(5)
    for name, kind in spec.items():
        if name not in ("attn_mask", "key_padding_mask"):
            out[name] = kind
            continue
        if name == "key_padding_mask":
            pad = np.zeros((N, S), dtype=bool)
            pad[0, -2:] = True
            out[name] = m.tensor(pad) if kind == "bool" else m.tensor(np.where(pad, -np.inf, 0).astype(np.float32))
        elif kind == "bool":
            out[name] = m.tensor(~np.tril(np.ones((L, S), dtype=bool)))
        elif kind == "float":
            out[name] = m.tensor(rng.standard_normal((L, S)).astype(np.float32))
        else:
            out[name] = m.tensor(rng.standard_normal((N * H, L, S)).astype(np.float32))
    return out


@pytest.mark.parametrize("cfg,call", MHA, ids=str)
def test_multihead_attention(cfg, call, torch):
    import torchlet

    E, H, L, S, N = 8, 2, 4, 5, 3
    theirs = torch.nn.MultiheadAttention(E, H, **cfg)
    ours = torchlet.nn.MultiheadAttention(E, H, **cfg)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    _perturb(theirs)
    _load(ours, theirs)
    rng = np.random.default_rng(0)
    bf = cfg.get("batch_first")
    shp = lambda T, F: (N, T, F) if bf else (T, N, F)
    arrs = [
        rng.standard_normal(shp(L, E)),
        rng.standard_normal(shp(S, cfg.get("kdim", E))),
        rng.standard_normal(shp(S, cfg.get("vdim", E))),
    ]
    xs_o = [torchlet.tensor(a.astype(np.float32), requires_grad=True) for a in arrs]
    xs_t = [torch.tensor(a.astype(np.float32), requires_grad=True) for a in arrs]
    out_o, w_o = ours(*xs_o, **_masks(torchlet, call, L, S, N, H))
    out_t, w_t = theirs(*xs_t, **_masks(torch, call, L, S, N, H))
    assert_same(out_o, out_t, **TOL)
    assert_same(w_o, w_t, **TOL)
    (out_o.sum() + (0 if w_o is None else (w_o * w_o).sum())).backward()
    (out_t.sum() + (0 if w_t is None else (w_t * w_t).sum())).backward()
    _grads_match(ours, theirs, xs_o, xs_t)


def test_multihead_attention_unbatched_and_eval(torch):
    import torchlet

    theirs, ours = torch.nn.MultiheadAttention(8, 4), torchlet.nn.MultiheadAttention(8, 4)
    _load(ours, theirs)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32)
    with torch.no_grad():
        yt = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    with torchlet.no_grad():
        yo = ours(torchlet.tensor(x), torchlet.tensor(x), torchlet.tensor(x))
    assert_same(yo, yt, **TOL)


LAYER = [
    dict(),
    dict(norm_first=True),
    dict(batch_first=True),
    dict(activation="gelu", norm_first=True),
    dict(bias=False, layer_norm_eps=1e-3),
    dict(dim_feedforward=12, batch_first=True, norm_first=True),
]


@pytest.mark.parametrize("cfg", LAYER, ids=str)
@pytest.mark.parametrize("masks", [False, True])
def test_encoder_layer(cfg, masks, torch):
    import torchlet

    E, H, T, N = 8, 2, 5, 3
    theirs = torch.nn.TransformerEncoderLayer(E, H, dropout=0.0, **{"dim_feedforward": 16, **cfg})
    ours = torchlet.nn.TransformerEncoderLayer(E, H, dropout=0.0, **{"dim_feedforward": 16, **cfg})
    assert repr(ours) == repr(theirs)
    _perturb(theirs)
    _load(ours, theirs)
    x = np.random.default_rng(0).standard_normal((N, T, E) if cfg.get("batch_first") else (T, N, E))
    x = x.astype(np.float32)
    kw_o, kw_t = {}, {}
    if masks:
        pad = np.zeros((N, T), dtype=bool)
        pad[1, -2:] = True
        causal = ~np.tril(np.ones((T, T), dtype=bool))
        kw_o = dict(src_mask=torchlet.tensor(causal), src_key_padding_mask=torchlet.tensor(pad))
        kw_t = dict(src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(pad))
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo, **kw_o), theirs(xt, **kw_t)
        assert_same(yo, yt, **TOL)
        ours.zero_grad()
        theirs.zero_grad()
        yo.sum().backward()
        yt.sum().backward()
        _grads_match(ours, theirs, [xo], [xt])


def test_encoder_layer_callable_activation_and_errors(torch):
    import torchlet

    m = torchlet.nn.TransformerEncoderLayer(8, 2, 16, activation=torchlet.nn.functional.gelu)
    assert m.activation_relu_or_gelu == 2
    check_error(lambda m: m.nn.TransformerEncoderLayer(8, 2, activation="tanh"))
    check_error(lambda m: m.nn.MultiheadAttention(8, 3))
    check_error(lambda m: m.nn.MultiheadAttention(0, 2))


@pytest.mark.parametrize("cfg", [dict(), dict(batch_first=True), dict(norm_first=True, batch_first=True)], ids=str)
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder(cfg, with_norm, torch):
    import warnings
    import torchlet

    E, H, T, N = 8, 2, 5, 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = torch.nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, **cfg)
        theirs = torch.nn.TransformerEncoder(lt, 2, norm=torch.nn.LayerNorm(E) if with_norm else None)
        lo = torchlet.nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, **cfg)
        ours = torchlet.nn.TransformerEncoder(lo, 2, norm=torchlet.nn.LayerNorm(E) if with_norm else None)
    assert repr(ours) == repr(theirs)
    assert ours.use_nested_tensor == theirs.use_nested_tensor
    _perturb(theirs)
    _load(ours, theirs)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    bf = cfg.get("batch_first")
    x = np.random.default_rng(0).standard_normal((N, T, E) if bf else (T, N, E)).astype(np.float32)
    pad = np.zeros((N, T), dtype=bool)
    pad[0, -2:] = True
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo = ours(xo, src_key_padding_mask=torchlet.tensor(pad))
        yt = theirs(xt, src_key_padding_mask=torch.tensor(pad))
        assert_same(yo, yt, **TOL)
        yo.sum().backward()
        yt.sum().backward()
        assert_same(xo.grad, xt.grad, **TOL)
    # inference without grad: PyTorch's nested-tensor path zeroes padded positions
    with torch.no_grad():
        yt = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
    with torchlet.no_grad():
        yo = ours(torchlet.tensor(x), src_key_padding_mask=torchlet.tensor(pad))
    assert_same(yo, yt, **TOL)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_activation_is_nn_functional_and_loads_weights_only(activation, torch):
    """The string activation is nn.functional's function (PyTorch: `activation is F.relu`), so a
    pickled layer names it where torch.load(weights_only) callers allow-list it (word_language_model)."""
    import io
    import pickle
    import pickletools
    import torchlet

    tl = torchlet.nn.TransformerEncoderLayer(4, 2, 8, activation=activation)
    tt = torch.nn.TransformerEncoderLayer(4, 2, 8, activation=activation)
    assert (tl.activation is getattr(torchlet.nn.functional, activation)) == (
        tt.activation is getattr(torch.nn.functional, activation)
    )
    assert tl.activation_relu_or_gelu == tt.activation_relu_or_gelu
    if activation == "relu":

        def names(f):
            return [
                a.replace("torchlet", "torch") for _, a, _ in pickletools.genops(pickle.dumps(f)) if isinstance(a, str)
            ]

        assert names(tl.activation) == names(tt.activation) == ["torch.nn.functional", "relu"]
    M = torchlet.nn.modules
    safe = [
        M.transformer.TransformerEncoderLayer,
        M.activation.MultiheadAttention,
        M.linear.Linear,
        M.linear.NonDynamicallyQuantizableLinear,
        M.dropout.Dropout,
        M.normalization.LayerNorm,
        torchlet.nn.functional.relu,
        torchlet.nn.functional.gelu,
        set,
    ]
    buf = io.BytesIO()
    torchlet.save(tl, buf)
    with torchlet.serialization.safe_globals(safe):
        back = torchlet.load(io.BytesIO(buf.getvalue()))
    assert back.activation is tl.activation and back.activation_relu_or_gelu == tl.activation_relu_or_gelu
