"""torchlet.models.gpt against a PyTorch reference GPT-2 written here (same key names, same
state_dict) and against Hugging Face's GPT2LMHeadModel: logits, loss, every gradient; KV-cache
generation equals full recomputation; a GPT-2 safetensors checkpoint loads."""

import math

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import torchlet
from torchlet.models import GPT, GPTConfig

CFG = dict(vocab_size=37, block_size=12, n_layer=2, n_head=2, n_embd=16)


class RefConv1D(tnn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.weight = tnn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = tnn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class RefBlock(tnn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln_1 = tnn.LayerNorm(C)
        self.attn = tnn.Module()
        self.attn.c_attn, self.attn.c_proj = RefConv1D(3 * C, C), RefConv1D(C, C)
        self.ln_2 = tnn.LayerNorm(C)
        self.mlp = tnn.Module()
        self.mlp.c_fc, self.mlp.c_proj = RefConv1D(4 * C, C), RefConv1D(C, 4 * C)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, 2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.H)
        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf")).softmax(-1)
        x = x + self.attn.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.mlp.c_proj(TF.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class RefGPT(tnn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.transformer = tnn.Module()
        self.transformer.wte = tnn.Embedding(vocab_size, n_embd)
        self.transformer.wpe = tnn.Embedding(block_size, n_embd)
        self.transformer.h = tnn.ModuleList([RefBlock(n_embd, n_head) for _ in range(n_layer)])
        self.transformer.ln_f = tnn.LayerNorm(n_embd)
        self.lm_head = tnn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx, targets):
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]))
        for b in tr.h:
            x = b(x)
        logits = self.lm_head(tr.ln_f(x))
        return logits, TF.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _to_torchlet_sd(sd):
    return {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in sd.items()}


def _compare(ref, ours, T=10, B=3, rtol=1e-4, atol=1e-5):
    g = np.random.default_rng(0)
    idx = g.integers(0, CFG["vocab_size"], (B, T))
    tgt = g.integers(0, CFG["vocab_size"], (B, T))
    r_logits, r_loss = ref(torch.from_numpy(idx), torch.from_numpy(tgt))
    o_logits, o_loss = ours(torchlet.from_numpy(idx), torchlet.from_numpy(tgt))
    np.testing.assert_allclose(o_logits.detach().numpy(), r_logits.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(o_loss.item(), r_loss.item(), rtol=1e-5)
    r_loss.backward()
    o_loss.backward()
    rp, op = dict(ref.named_parameters()), dict(ours.named_parameters())
    assert sorted(rp) == sorted(op)
    for k in rp:
        np.testing.assert_allclose(op[k].grad.numpy(), rp[k].grad.numpy(), rtol=rtol, atol=atol, err_msg=k)


def test_state_dict_keys_and_shapes_match_reference():
    ours, ref = GPT(GPTConfig(**CFG)), RefGPT(**CFG)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for k, v in ref.state_dict().items():
        assert tuple(ours.state_dict()[k].shape) == tuple(v.shape), k
    assert ours.lm_head.weight is ours.transformer.wte.weight


def test_forward_loss_gradients_match_pytorch_reference():
    torch.manual_seed(0)
    ref = RefGPT(**CFG)
    for p in ref.parameters():  # non-trivial LayerNorm/bias values
        with torch.no_grad():
            p.add_(torch.randn_like(p) * 0.1)
    ours = GPT(GPTConfig(**CFG))
    ours.load_state_dict(_to_torchlet_sd(ref.state_dict()))
    _compare(ref, ours)


def test_init_statistics_follow_gpt2():
    torchlet.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=500, block_size=64, n_layer=4, n_head=2, n_embd=64))
    sd = m.state_dict()
    assert abs(sd["transformer.wte.weight"].std().item() - 0.02) < 2e-3
    assert abs(sd["transformer.h.0.attn.c_proj.weight"].std().item() - 0.02 / math.sqrt(8)) < 1.5e-3
    assert sd["transformer.h.0.attn.c_attn.bias"].abs().sum().item() == 0
    assert sd["transformer.h.0.ln_1.weight"].eq(1).all().item()


def test_bad_config_and_too_long_input():
    with pytest.raises(ValueError):
        GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=3, n_embd=8))
    m = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, n_embd=8))
    with pytest.raises(ValueError, match="block size"):
        m(torchlet.zeros(1, 5, dtype=torchlet.long))


@pytest.mark.parametrize(
    "kw", [dict(temperature=0.0), dict(temperature=0.9, top_k=5), dict(temperature=1.0, top_p=0.8)]
)
def test_kv_cache_generation_equals_full_recomputation(kw):
    torchlet.manual_seed(1)
    m = GPT(GPTConfig(**CFG))
    idx = torchlet.randint(0, CFG["vocab_size"], (2, 3))
    # 15 new tokens > block_size 12: the window slides, the cache is rebuilt
    a = m.generate(idx, 15, generator=torchlet.Generator().manual_seed(3), use_cache=True, **kw)
    b = m.generate(idx, 15, generator=torchlet.Generator().manual_seed(3), use_cache=False, **kw)
    assert a.shape == (2, 18)
    assert torchlet.equal(a, b)


def test_cached_step_logits_equal_full_forward():
    torchlet.manual_seed(2)
    m = GPT(GPTConfig(**CFG)).eval()
    idx = torchlet.randint(0, CFG["vocab_size"], (2, 9))
    full, _ = m(idx)
    caches = [[None, None] for _ in range(CFG["n_layer"])]
    first, _ = m(idx[:, :5], caches=caches)  # prompt of 5, then 3 + 1 tokens on the cache
    mid, _ = m(idx[:, 5:8], caches=caches, start=5)
    last, _ = m(idx[:, 8:], caches=caches, start=8)
    got = torchlet.cat([first, mid, last], 1)
    np.testing.assert_allclose(got.detach().numpy(), full.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert caches[0][0].shape == (2, CFG["n_head"], 9, CFG["n_embd"] // CFG["n_head"])


def test_top_k_one_is_greedy():
    torchlet.manual_seed(4)
    m = GPT(GPTConfig(**CFG))
    idx = torchlet.randint(0, CFG["vocab_size"], (1, 2))
    a = m.generate(idx, 6, temperature=0.7, top_k=1, generator=torchlet.Generator().manual_seed(0))
    b = m.generate(idx, 6, temperature=0.0)
    assert torchlet.equal(a, b)


def _hf_model():
    transformers = pytest.importorskip("transformers")
    cfg = transformers.GPT2Config(
        vocab_size=CFG["vocab_size"],
        n_positions=CFG["block_size"],
        n_layer=CFG["n_layer"],
        n_head=CFG["n_head"],
        n_embd=CFG["n_embd"],
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    torch.manual_seed(0)
    hf = transformers.GPT2LMHeadModel(cfg).eval()
    for p in hf.parameters():
        with torch.no_grad():
            p.add_(torch.randn_like(p) * 0.05)
    return hf


def test_matches_huggingface_gpt2_from_safetensors(tmp_path):
    hf = _hf_model()
    hf.save_pretrained(tmp_path)  # writes model.safetensors (tied lm_head omitted)
    from torchlet import safetensors as st

    sd = st.load_file(str(tmp_path / "model.safetensors"))
    ours = GPT.from_state_dict(sd, n_head=CFG["n_head"])
    assert ours.config.n_layer == CFG["n_layer"] and ours.config.block_size == CFG["block_size"]

    class Wrap(tnn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, idx, tgt):
            logits = self.m(idx).logits
            return logits, TF.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))

        def named_parameters(self, *a, **k):
            return self.m.named_parameters(*a, **k)

    assert sorted(k for k in ours.state_dict()) == sorted(hf.state_dict())
    _compare(Wrap(hf), ours)
