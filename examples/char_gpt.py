"""A character-level GPT, built from scratch in the style of "let's build GPT": token and
position embeddings, causal self-attention blocks (pre-LayerNorm, residual), a language-model
head; trained on the Shakespeare shipped with torchlet, then sampled. (The full GPT-2 model with
a key/value cache is torchlet.models.GPT; `torchlet train --task lm` trains it from the shell.)"""

import torchlet as torch
import torchlet.nn as nn
import torchlet.nn.functional as F
from torchlet.text.datasets import bundled_text_path

torch.manual_seed(1337)
batch_size, block_size, n_embd, n_head, n_layer, steps, lr = 16, 32, 48, 4, 2, 80, 3e-3

with open(bundled_text_path(), encoding="utf-8") as f:
    text = f.read()[:100_000]
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
encode = lambda s: [stoi[c] for c in s]
decode = lambda ids: "".join(chars[i] for i in ids)
data = torch.tensor(encode(text), dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - block_size, (batch_size,))
    x = torch.stack([d[i : i + block_size] for i in ix.tolist()])
    y = torch.stack([d[i + 1 : i + block_size + 1] for i in ix.tolist()])
    return x, y


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(n_embd, dim=2)
        q, k, v = (t.view(B, T, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # softmax(QK^T/sqrt(d) + mask) V
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(n_embd), CausalSelfAttention()
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, n_embd)
        self.pos = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.blocks(self.tok(idx) + self.pos(torch.arange(T)))
        logits = self.head(self.ln_f(x))
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    @torch.no_grad()
    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -block_size:])
            probs = F.softmax(logits[:, -1, :], dim=-1)
            idx = torch.cat([idx, torch.multinomial(probs, num_samples=1)], dim=1)
        return idx


@torch.no_grad()
def estimate_loss(model, iters=3):
    model.eval()
    out = {split: sum(model(*get_batch(split))[1].item() for _ in range(iters)) / iters for split in ("train", "val")}
    model.train()
    return out


model = CharGPT(len(chars))
print(f"{sum(p.numel() for p in model.parameters()):,} parameters, vocabulary of {len(chars)} characters")
optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
first = estimate_loss(model)
for step in range(steps + 1):
    if step % 40 == 0:
        losses = estimate_loss(model)
        print(f"step {step:3d}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
    xb, yb = get_batch("train")
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
assert losses["val"] < first["val"] - 0.5, (first, losses)
print("sample:")
print(decode(model.generate(torch.tensor([encode("ROMEO:")]), 100)[0].tolist()))
