"""A small Transformer encoder-decoder: d2l-style positional encoding, position-wise FFN and
add&norm blocks, then nn.Transformer trained a few steps on reversing short sequences."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = torch.zeros((1, max_len, num_hiddens))
        X = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1) / torch.pow(
            10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens
        )
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        X = X + self.P[:, : X.shape[1], :].to(X.device)
        return self.dropout(X)


class PositionWiseFFN(nn.Module):
    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.Linear(ffn_num_outputs, ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


torch.manual_seed(0)
pos = PositionalEncoding(8, 0)
pos.eval()
X = pos(torch.zeros((1, 6, 8)))
print("P rows", pos.P[0, :3, :6])
print("encoded", X.shape)
ffn = PositionWiseFFN(4, 8)
ffn.eval()
print("ffn", ffn(torch.ones((2, 3, 8)))[0])
ln = nn.LayerNorm(2)
bn = nn.BatchNorm1d(2)
X = torch.tensor([[1, 2], [2, 3]], dtype=torch.float32)
print("layer norm:", ln(X), "\nbatch norm:", bn(X))
add_norm = AddNorm(8, 0.5)
add_norm.eval()
print("addnorm", add_norm(torch.ones((2, 3, 8)), torch.ones((2, 3, 8))).shape)


class Model(nn.Module):
    def __init__(self, vocab, d_model, nhead, layers, ffn):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = PositionalEncoding(d_model, 0.1)
        self.transformer = nn.Transformer(d_model, nhead, layers, layers, ffn, dropout=0.1, batch_first=True)
        self.out = nn.Linear(d_model, vocab)

    def forward(self, src, tgt):
        mask = self.transformer.generate_square_subsequent_mask(tgt.shape[1])
        s = self.pos(self.embed(src) * math.sqrt(self.d_model))
        t = self.pos(self.embed(tgt) * math.sqrt(self.d_model))
        return self.out(self.transformer(s, t, tgt_mask=mask))


BOS, VOCAB, LEN = 1, 12, 5
torch.manual_seed(1)
model = Model(VOCAB, 16, 2, 1, 32)
print("params", sum(p.numel() for p in model.parameters()))
print("causal mask", model.transformer.generate_square_subsequent_mask(4))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
g = torch.Generator().manual_seed(7)
for step in range(12):
    src = torch.randint(2, VOCAB, (16, LEN), generator=g)
    tgt = src.flip(1)
    dec_in = torch.cat([torch.full((16, 1), BOS), tgt[:, :-1]], dim=1)
    model.train()
    logits = model(src, dec_in)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if (step + 1) % 3 == 0:
        print(f"epoch {step + 1} loss {loss.item():.4f}")

model.eval()
src = torch.tensor([[2, 3, 4, 5, 6], [7, 8, 9, 10, 11]])
ys = torch.full((2, 1), BOS)
with torch.no_grad():
    for _ in range(LEN):
        nxt = model(src, ys)[:, -1].argmax(-1, keepdim=True)
        ys = torch.cat([ys, nxt], dim=1)
print("greedy", ys[:, 1:])
with torch.no_grad():
    probs = F.softmax(model(src, ys[:, :-1]), dim=-1)
print("probs", probs[0, 0, :6])
