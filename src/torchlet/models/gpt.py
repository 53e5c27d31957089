"""GPT: a decoder-only Transformer with GPT-2's architecture and GPT-2's state_dict layout.

    x = wte(idx) + wpe(pos)
    x = x + attn(ln_1(x))      # causal self-attention, F.scaled_dot_product_attention
    x = x + mlp(ln_2(x))       # c_fc -> GELU (tanh approximation) -> c_proj
    logits = ln_f(x) @ wte.weight^T          # lm_head tied to the token embedding

Parameter names equal Hugging Face's ``GPT2LMHeadModel`` (``transformer.wte.weight``,
``transformer.h.0.attn.c_attn.weight``, ..., ``lm_head.weight``) and the projections are GPT-2's
``Conv1D``: weight stored [in, out], y = x @ W + b. So a GPT-2 checkpoint (``model.safetensors``)
loads with ``load_state_dict`` (use ``GPT.from_state_dict`` for checkpoints that omit the tied
``lm_head.weight`` or carry ``attn.bias`` mask buffers).

``generate`` keeps a key/value cache per layer: each new token attends to the cached keys and
values and appends its own, so N new tokens cost O(N) attention rows instead of recomputing the
whole O(N^2) prefix each step.
"""

import math
from dataclasses import dataclass, asdict

from .. import nn
from ..nn import functional as F
from .sampling import sample_next

__all__ = ["GPTConfig", "GPT", "Conv1D"]


@dataclass
class GPTConfig:
    vocab_size: int = 50257
    block_size: int = 1024  # n_positions
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    layer_norm_epsilon: float = 1e-5

    def to_dict(self):
        return asdict(self)


class Conv1D(nn.Module):
    """GPT-2's projection: weight [nx, nf] (in, out), y = x @ weight + bias.

    Backward: dW = x^T g, db = sum g, dx = g W^T (autograd of addmm/matmul)."""

    def __init__(self, nf, nx):
        super().__init__()
        from .. import empty, zeros

        self.nf = nf
        self.weight = nn.Parameter(empty(nx, nf))
        self.bias = nn.Parameter(zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        from .. import addmm

        shape = tuple(x.shape[:-1]) + (self.nf,)
        return addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(shape)

    def extra_repr(self):
        return f"nf={self.nf}, nx={self.weight.shape[0]}"


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd {config.n_embd} is not divisible by n_head {config.n_head}")
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = Conv1D(3 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.n_embd)
        self.attn_dropout_p = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def _heads(self, t, B, T):
        return t.reshape(B, T, self.n_head, self.n_embd // self.n_head).transpose(1, 2)

    def forward(self, x, cache=None):
        """x: (B, T, C). cache: None, or a [k, v] list (B, H, S, hd) that is extended in place;
        with a cache the T new queries attend to all S cached positions plus the causal part of
        their own T positions."""
        from .. import cat, ones, bool as tbool

        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = self._heads(q, B, T), self._heads(k, B, T), self._heads(v, B, T)
        p = self.attn_dropout_p if self.training else 0.0
        if cache is not None and cache[0] is not None:
            k, v = cat([cache[0], k], 2), cat([cache[1], v], 2)
        if cache is not None:
            cache[0], cache[1] = k, v
        S = k.shape[2]
        if S == T:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        elif T == 1:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        else:  # new query i (absolute S-T+i) may see keys 0..S-T+i
            mask = ones(T, S, dtype=tbool).tril(S - T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = Conv1D(4 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, 4 * config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = MLP(config)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class _Transformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)


class GPT(nn.Module):
    """``GPT(GPTConfig(...))``; ``forward(idx, targets=None)`` returns (logits, loss)."""

    def __init__(self, config=None, **kwargs):
        super().__init__()
        config = config if config is not None else GPTConfig(**kwargs)
        self.config = config
        self.transformer = _Transformer(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: residual projections scaled by 1/sqrt(2 n_layer)
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, Conv1D)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, targets=None, caches=None, start=0):
        from .. import arange, long

        B, T = idx.shape
        if start + T > self.config.block_size:
            raise ValueError(
                f"Cannot forward sequence of length {start + T}, block size is only {self.config.block_size}"
            )
        pos = arange(start, start + T, dtype=long)
        tr = self.transformer
        x = tr.drop(tr.wte(idx) + tr.wpe(pos))
        for i, block in enumerate(tr.h):
            x = block(x, None if caches is None else caches[i])
        logits = self.lm_head(tr.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
        return logits, loss

    @classmethod
    def from_state_dict(cls, state_dict, config=None, n_head=12, **kwargs):
        """A GPT from a (Hugging Face GPT-2) state_dict; the config is read off the shapes when
        not given, except n_head (a keyword: the shapes do not tell it; GPT-2 small has 12). Mask buffers (``attn.bias``, ``attn.masked_bias``) are dropped and a missing
        tied ``lm_head.weight`` is fine."""
        sd = {k: v for k, v in state_dict.items() if not (k.endswith(".attn.bias") or k.endswith(".attn.masked_bias"))}
        if config is None:
            V, C = sd["transformer.wte.weight"].shape
            n_layer = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("transformer.h."))
            config = GPTConfig(
                vocab_size=V,
                block_size=sd["transformer.wpe.weight"].shape[0],
                n_layer=n_layer,
                n_head=n_head,
                n_embd=C,
                **kwargs,
            )
        model = cls(config)
        sd.setdefault("lm_head.weight", sd["transformer.wte.weight"])
        model.load_state_dict(sd)
        return model

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_cache=True, generator=None):
        """Append max_new_tokens sampled tokens to idx (B, T). temperature=0 is greedy decoding.
        With use_cache the prompt runs once and each further step runs one token against the
        key/value cache (recomputing from scratch only when the context window slides)."""
        from .. import cat, no_grad

        was_training = self.training
        self.eval()
        bs = self.config.block_size
        with no_grad():
            caches, pos = None, 0
            for _ in range(max_new_tokens):
                if not use_cache or caches is None or pos >= bs:
                    ctx = idx[:, -bs:]
                    caches = [[None, None] for _ in self.transformer.h] if use_cache else None
                    logits, _ = self(ctx, caches=caches)
                    pos = ctx.shape[1]
                else:
                    logits, _ = self(idx[:, -1:], caches=caches, start=pos)
                    pos += 1
                nxt = sample_next(logits[:, -1, :], temperature, top_k, top_p, generator)
                idx = cat([idx, nxt], 1)
        self.train(was_training)
        return idx
