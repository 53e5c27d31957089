"""torch.nn.attention against PyTorch: scaled_dot_product_attention (GQA, scale, masks, rows
with nothing to attend, dropout stream, gradients, errors), sdpa_kernel / SDPBackend, the
causal_* biases, and flex_attention with score_mod / block masks."""

import warnings

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same
from tests.ops.both import both


def _mods(m):
    import importlib

    base = "torch" if m is torch else "torchlet"
    return (
        importlib.import_module(base + ".nn.attention"),
        importlib.import_module(base + ".nn.attention.bias"),
        importlib.import_module(base + ".nn.attention.flex_attention"),
    )


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _run(fn, arrays, grad=True):
    """fn(m, *tensors) for m = torch, torchlet: (output, input gradients) of each."""
    res = []
    for m in (torch, torchlet):
        ts = [m.tensor(a, requires_grad=grad) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(m, *ts)
        if grad:
            (
                out * m.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
            ).sum().backward()
        res.append((out, [t.grad for t in ts] if grad else []))
    return res


def _same(res, rtol=1e-5, atol=2e-6):
    (to, tg), (lo, lg) = res
    assert_same(lo, to, rtol=rtol, atol=atol)
    assert_same(lg, tg, rtol=rtol, atol=atol)


# ----- scaled_dot_product_attention ---------------------------------------------------------
@pytest.mark.parametrize(
    "case", ["plain", "gqa_scale", "bool_mask", "float_mask", "dead_rows", "causal_rect", "3d", "2d", "value_dim"]
)
def test_sdpa_values_and_gradients(case):
    sdpa = lambda m: m.nn.functional.scaled_dot_product_attention
    if case == "plain":
        res = _run(lambda m, q, k, v: sdpa(m)(q, k, v), _arrays((2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8)))
    elif case == "gqa_scale":
        res = _run(
            lambda m, q, k, v: sdpa(m)(q, k, v, enable_gqa=True, scale=0.3),
            _arrays((2, 4, 5, 8), (2, 2, 6, 8), (2, 2, 6, 8)),
        )
    elif case == "bool_mask":
        mask = np.random.default_rng(1).random((5, 6)) > 0.4
        mask[:, 0] = True
        res = _run(
            lambda m, q, k, v: sdpa(m)(q, k, v, attn_mask=m.tensor(mask)),
            _arrays((2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8)),
        )
    elif case == "float_mask":
        res = _run(
            lambda m, q, k, v, b: sdpa(m)(q, k, v, attn_mask=b),
            _arrays((2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8), (3, 5, 6)),
        )
    elif case == "dead_rows":  # rows that may attend nothing give 0 and no gradient
        mask = np.ones((4, 3), bool)
        mask[0] = False
        res = _run(
            lambda m, q, k, v: sdpa(m)(q, k, v, attn_mask=m.tensor(mask)),
            _arrays((1, 2, 4, 8), (1, 2, 3, 8), (1, 2, 3, 8)),
        )
    elif case == "causal_rect":
        res = _run(
            lambda m, q, k, v: sdpa(m)(q, k, v, is_causal=True), _arrays((2, 2, 3, 8), (2, 2, 6, 8), (2, 2, 6, 8))
        )
    elif case == "3d":
        res = _run(lambda m, q, k, v: sdpa(m)(q, k, v, is_causal=True), _arrays((2, 5, 8), (2, 5, 8), (2, 5, 8)))
    elif case == "2d":
        res = _run(lambda m, q, k, v: sdpa(m)(q, k, v), _arrays((5, 8), (6, 8), (6, 8)))
    else:
        res = _run(lambda m, q, k, v: sdpa(m)(q, k, v), _arrays((1, 2, 5, 8), (1, 2, 6, 8), (1, 2, 6, 3)))
    _same(res)


def test_sdpa_dropout_follows_torch_stream():
    a = _arrays((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4))
    res = []
    for m in (torch, torchlet):
        m.manual_seed(0)
        ts = [m.tensor(x, requires_grad=True) for x in a]
        out = m.nn.functional.scaled_dot_product_attention(*ts, dropout_p=0.4)
        out.sum().backward()
        res.append((out, [t.grad for t in ts]))
    _same([res[0], res[1]])


def test_sdpa_errors():
    F = lambda m: m.nn.functional.scaled_dot_product_attention
    q = _arrays((2, 4, 5, 8))[0]
    k = _arrays((2, 2, 6, 8))[0]
    cases = [
        lambda m: F(m)(m.tensor(q), m.tensor(k), m.tensor(k)),
        lambda m: F(m)(m.randn(2, 3, 5, 8), m.tensor(k), m.tensor(k), enable_gqa=True),
        lambda m: F(m)(m.tensor(q), m.tensor(q).double(), m.tensor(q)),
        lambda m: F(m)(m.randn(8), m.randn(8), m.randn(8)),
        lambda m: F(m)(m.tensor(q), m.tensor(q), m.tensor(q), attn_mask=m.zeros(5, 5, dtype=m.float64)),
        lambda m: F(m)(m.tensor(q), m.tensor(q), m.tensor(q), attn_mask=m.zeros(5, 5, dtype=m.int64)),
        lambda m: F(m)(m.tensor(q), m.tensor(q), m.tensor(q), attn_mask=m.zeros(4, 4)),
        lambda m: F(m)(m.tensor(q), m.tensor(q), m.tensor(q), attn_mask=m.zeros(5, 5), is_causal=True),
        lambda m: F(m)(m.tensor(q), m.tensor(q), m.tensor(q), dropout_p=1.5),
    ]
    for case in cases:
        both(case, torch)


# ----- sdpa_kernel / SDPBackend ---------------------------------------------------------------
def test_sdp_backend_enum():
    tb, lb = torch.nn.attention.SDPBackend, torchlet.nn.attention.SDPBackend
    assert list(lb.__members__) == list(tb.__members__)
    for name in tb.__members__:
        assert int(getattr(lb, name)) == int(getattr(tb, name))
        assert repr(getattr(lb, name)) == repr(getattr(tb, name))
        assert str(getattr(lb, name)) == str(getattr(tb, name))


@pytest.mark.parametrize(
    "names",
    [
        ["MATH"],
        ["FLASH_ATTENTION"],
        ["EFFICIENT_ATTENTION"],
        ["CUDNN_ATTENTION"],
        ["MATH", "FLASH_ATTENTION"],
        ["CUDNN_ATTENTION", "MATH"],
        [],
    ],
)
@pytest.mark.parametrize(
    "shape,kw", [((1, 2, 5, 8), {}), ((5, 8), {}), ((3, 5, 8), {}), ((1, 2, 5, 8), {"dropout_p": 0.5})]
)
def test_sdpa_kernel_choices(names, shape, kw):
    a = _arrays(shape)[0]
    outcomes = []
    for m in (torch, torchlet):
        att = _mods(m)[0]
        backends = [getattr(att.SDPBackend, n) for n in names]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with att.sdpa_kernel(backends if len(backends) != 1 else backends[0]) as ctx:
                    m.manual_seed(0)
                    x = m.tensor(a)
                    out = m.nn.functional.scaled_dot_product_attention(x, x, x, **kw)
                outcomes.append(("ok", out, ctx))
            except Exception as e:
                outcomes.append((type(e), str(e), None))
    (tk, tv, tc), (lk, lv, lc) = outcomes
    assert tk == lk, outcomes
    if tk == "ok":
        assert_same(lv, tv)
        assert lc == tc
    else:
        assert lv == tv
    assert torchlet.backends.cuda.math_sdp_enabled() and torchlet.backends.cuda.flash_sdp_enabled()


def test_sdpa_kernel_bad_argument_and_flags():
    both(lambda m: _mods(m)[0].sdpa_kernel("x").__enter__(), torch)
    for m in (torch, torchlet):
        with _mods(m)[0].sdpa_kernel(_mods(m)[0].SDPBackend.MATH):
            flags = (
                m.backends.cuda.flash_sdp_enabled(),
                m.backends.cuda.math_sdp_enabled(),
                m.backends.cuda.mem_efficient_sdp_enabled(),
            )
        if m is torch:
            theirs = flags
    assert flags == theirs


# ----- causal biases ----------------------------------------------------------------------------
@pytest.mark.parametrize("L,S", [(4, 3), (2, 5), (4, 4)])
@pytest.mark.parametrize("variant", ["causal_upper_left", "causal_lower_right"])
def test_causal_bias(L, S, variant):
    with warnings.catch_warnings(record=True) as w_torch:
        warnings.simplefilter("always")
        tb = getattr(torch.nn.attention.bias, variant)(L, S)
    with warnings.catch_warnings(record=True) as w_ours:
        warnings.simplefilter("always")
        lb = getattr(torchlet.nn.attention.bias, variant)(L, S)
    assert [str(w.message) for w in w_ours] == [
        str(w.message) for w in w_torch if "lower right" in str(w.message).lower()
    ]
    assert repr(lb).replace("torchlet.", "torch.") == repr(tb)
    assert (lb.variant.name, lb.seq_len_q, lb.seq_len_kv) == (tb.variant.name, tb.seq_len_q, tb.seq_len_kv)
    assert_same(lb._materialize(), tb._materialize())
    res = _run(
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=getattr(_mods(m)[1], variant)(L, S)
        ),
        _arrays((2, 2, L, 8), (2, 2, S, 8), (2, 2, S, 8)),
    )
    _same(res)
    both(
        lambda m: m.nn.functional.scaled_dot_product_attention(
            m.ones(1, 1, L, 8),
            m.ones(1, 1, S, 8),
            m.ones(1, 1, S, 8),
            attn_mask=getattr(_mods(m)[1], variant)(L, S),
            is_causal=True,
        ),
        torch,
    )
    both(lambda m: getattr(_mods(m)[1], variant)(L, S, 2), torch)


# ----- flex_attention -------------------------------------------------------------------------------
def _dense_reference(q, k, v, bias, mask, scale):
    """PyTorch autograd of the same dense computation (PyTorch has no flex backward on a CPU)."""
    s = (q @ k.transpose(-2, -1)) * scale + bias
    s = s.masked_fill(~mask, float("-inf"))
    dead = (s == float("-inf")).all(-1, keepdim=True)
    w = s.masked_fill(dead, 0).softmax(-1).masked_fill(dead, 0)
    return w @ v


def test_flex_attention_forward_matches_torch_and_gradients_match_dense():
    q, k, v, bias = _arrays((2, 2, 6, 8), (2, 2, 7, 8), (2, 2, 7, 4), (2, 6, 7))
    outs = []
    for m in (torch, torchlet):
        fa = _mods(m)[2]
        B = m.tensor(bias)

        def rel(score, b, h, q_idx, kv_idx):
            return score + (q_idx - kv_idx) * 0.1 + B[h, q_idx, kv_idx]

        def causal(b, h, q_idx, kv_idx):
            return q_idx >= kv_idx

        bm = fa.create_block_mask(causal, None, None, 6, 7, device="cpu", BLOCK_SIZE=2)
        out = fa.flex_attention(m.tensor(q), m.tensor(k), m.tensor(v), score_mod=rel, block_mask=bm)
        outs.append(
            (
                out,
                bm.kv_num_blocks,
                bm.kv_indices,
                bm.full_kv_num_blocks,
                bm.full_kv_indices,
                bm.q_num_blocks,
                bm.q_indices,
                bm.full_q_num_blocks,
                bm.full_q_indices,
                bm.to_dense(),
            )
        )
        strs = (str(bm), repr(bm).replace("torchlet.", "torch."), bm.shape, bm.sparsity(), bm.BLOCK_SIZE)
        if m is torch:
            tstrs = strs
    assert_same(outs[1], outs[0], rtol=1e-5, atol=1e-6)
    assert strs == tstrs
    # gradients: ours through flex_attention, torch's through the dense formula
    idx = np.arange(7)[None, :] <= np.arange(6)[:, None]
    rel_bias = ((np.arange(6)[:, None] - np.arange(7)[None, :]) * 0.1 + bias)[None].astype(np.float32)
    res = _run(
        lambda m, q_, k_, v_: (
            _mods(m)[2].flex_attention(
                q_,
                k_,
                v_,
                score_mod=lambda s, b, h, qi, ki: s + (qi - ki) * 0.1 + m.tensor(bias)[h, qi, ki],
                block_mask=_mods(m)[2].create_block_mask(
                    lambda b, h, qi, ki: qi >= ki, None, None, 6, 7, device="cpu", BLOCK_SIZE=2
                ),
            )
            if m is torchlet
            else _dense_reference(q_, k_, v_, torch.tensor(rel_bias), torch.tensor(idx), 8**-0.5)
        ),
        [q, k, v],
    )
    _same(res, rtol=1e-4, atol=1e-5)


def test_flex_attention_options_and_masks():
    q, k, v = _arrays((2, 2, 6, 8), (2, 2, 7, 8), (2, 2, 7, 4))
    res = []
    for m in (torch, torchlet):
        fa = _mods(m)[2]

        def causal(b, h, q_idx, kv_idx):
            return q_idx >= kv_idx

        def sliding(b, h, q_idx, kv_idx):
            return (q_idx - kv_idx).abs() <= 2

        def late(b, h, q_idx, kv_idx):
            return (q_idx > 0) & (kv_idx < 3)

        Q, K, V = m.tensor(q), m.tensor(k), m.tensor(v)
        bm2 = fa.create_block_mask(fa.and_masks(causal, sliding), 2, 1, 6, 7, device="cpu", BLOCK_SIZE=4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, lse = fa.flex_attention(Q, K, V, block_mask=bm2, return_lse=True)
        o2, aux = fa.flex_attention(Q.double(), K.double(), V.double(), return_aux=fa.AuxRequest(lse=True), scale=0.5)
        o3 = fa.flex_attention(Q, K, V, block_mask=fa.create_block_mask(late, 1, 1, 6, 7, device="cpu"))
        qg, kg = m.tensor(q[:1]).repeat(1, 2, 1, 1), m.tensor(k[:1])
        o4 = fa.flex_attention(qg, kg, kg, enable_gqa=True)
        res.append(
            (
                out,
                lse,
                o2,
                aux.lse,
                o3,
                o4,
                bm2.to_dense(),
                fa.create_mask(fa.or_masks(causal, sliding), 1, 1, 6, 7, device="cpu"),
                fa.create_mask(lambda s, b, h, qi, ki: m.where(qi >= ki, s, -float("inf")), 1, 2, 3, 3, device="cpu"),
                fa.noop_mask(m.tensor(0), m.tensor(0), m.tensor(1), m.tensor(2)),
            )
        )
    assert_same(res[1], res[0], rtol=1e-5, atol=1e-6)


def test_flex_attention_errors():
    q, k = _arrays((1, 4, 5, 8), (1, 2, 5, 8))
    fa = lambda m: _mods(m)[2]
    both(lambda m: fa(m).flex_attention(m.tensor(q), m.tensor(k), m.tensor(k)), torch)
    both(lambda m: fa(m).flex_attention(m.tensor(q)[0], m.tensor(q)[0], m.tensor(q)[0]), torch)
    both(lambda m: fa(m).flex_attention(m.tensor(q), m.tensor(q).double(), m.tensor(q)), torch)
    both(
        lambda m: fa(m).flex_attention(
            m.tensor(q), m.tensor(q), m.tensor(q), return_aux=fa(m).AuxRequest(max_scores=True)
        ),
        torch,
    )
    both(lambda m: fa(m).create_block_mask(lambda s, b, h, qi, ki: s, 1, 1, 4, 4, device="cpu"), torch)
    both(
        lambda m: fa(m).flex_attention(
            m.tensor(q),
            m.tensor(q),
            m.tensor(q),
            block_mask=fa(m).create_block_mask(lambda b, h, qi, ki: qi >= ki, 1, 1, 2, 2, device="cpu", BLOCK_SIZE=1),
        ),
        torch,
    )
