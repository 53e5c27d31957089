"""Attention scoring, d2l style: masked_softmax, additive and dot-product attention,
nn.MultiheadAttention and a from-scratch multi-head attention."""

import math

import torch
from torch import nn
from torch.nn import functional as F


def sequence_mask(X, valid_len, value=0):
    maxlen = X.size(1)
    mask = torch.arange(maxlen, dtype=torch.float32, device=X.device)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


def masked_softmax(X, valid_lens):
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
    return nn.functional.softmax(X.reshape(shape), dim=-1)


torch.manual_seed(0)
print(masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3])))
print(masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]])))


class AdditiveAttention(nn.Module):
    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super().__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
valid_lens = torch.tensor([2, 6])
attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
attention.eval()
print(attention(queries, keys, values, valid_lens))
print(attention.attention_weights.squeeze(1))


class DotProductAttention(nn.Module):
    def __init__(self, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


queries = torch.normal(0, 1, (2, 1, 2))
attention = DotProductAttention(dropout=0.5)
attention.eval()
print(attention(queries, keys, values, valid_lens))
attention.train()
out = attention(queries, torch.randn(2, 10, 2), values, valid_lens)
print("train-mode dropout output", out)


def transpose_qkv(X, num_heads):
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)
    X = X.permute(0, 2, 1, 3)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X, num_heads):
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])
    X = X.permute(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Module):
    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        queries = transpose_qkv(self.W_q(queries), self.num_heads)
        keys = transpose_qkv(self.W_k(keys), self.num_heads)
        values = transpose_qkv(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(transpose_output(output, self.num_heads))


num_hiddens, num_heads = 16, 4
mha = MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens, num_heads, 0.5)
mha.eval()
batch_size, num_queries, num_kvpairs = 2, 4, 6
valid_lens = torch.tensor([3, 2])
X = torch.randn((batch_size, num_queries, num_hiddens))
Y = torch.randn((batch_size, num_kvpairs, num_hiddens))
out = mha(X, Y, Y, valid_lens)
print("scratch mha", out.shape, out[0, 0, :6])
print("scratch mha weights", mha.attention.attention_weights[0])

torch_mha = nn.MultiheadAttention(num_hiddens, num_heads, batch_first=True)
torch_mha.eval()
key_padding_mask = torch.arange(num_kvpairs)[None, :] >= valid_lens[:, None]
out2, w2 = torch_mha(X, Y, Y, key_padding_mask=key_padding_mask)
print("nn.MultiheadAttention", out2.shape, w2.shape)
print(out2[1, :2, :6])
print(w2[0])
out3, w3 = torch_mha(X, Y, Y, key_padding_mask=key_padding_mask, average_attn_weights=False)
print("per-head weights", w3.shape, w3[1, 2])

# the same computation by hand from nn.MultiheadAttention's packed weights
Wq, Wk, Wv = torch_mha.in_proj_weight.chunk(3)
bq, bk, bv = torch_mha.in_proj_bias.chunk(3)
q = transpose_qkv(F.linear(X, Wq, bq), num_heads)
k = transpose_qkv(F.linear(Y, Wk, bk), num_heads)
v = transpose_qkv(F.linear(Y, Wv, bv), num_heads)
w = masked_softmax(
    torch.bmm(q, k.transpose(1, 2)) / math.sqrt(num_hiddens // num_heads),
    torch.repeat_interleave(valid_lens, num_heads, dim=0),
)
manual = torch_mha.out_proj(transpose_output(torch.bmm(w, v), num_heads))
print("max diff vs nn.MultiheadAttention {:.4f}".format((manual - out2).abs().max().item()))
sdpa = F.scaled_dot_product_attention(q, k, v, attn_mask=~key_padding_mask.repeat_interleave(num_heads, 0)[:, None, :])
print("sdpa", sdpa[0, 0])

# one training step through the scratch layer
opt = torch.optim.SGD(mha.parameters(), lr=0.1)
mha.train()
torch.manual_seed(3)
target = torch.randn(batch_size, num_queries, num_hiddens)
for step in range(3):
    l = F.mse_loss(mha(X, Y, Y, valid_lens), target)
    opt.zero_grad()
    l.backward()
    opt.step()
    print(f"epoch {step + 1} mse {l.item():.4f}")
