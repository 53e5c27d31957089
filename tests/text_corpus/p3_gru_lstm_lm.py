"""GRU and LSTM language models (nn.GRU / nn.LSTM), gradient clipping, perplexity, prediction."""

import math

import torch
from torch import nn
from torch.nn import functional as F

TEXT = (
    "a traveller came by the silent shore and the tide went out and the gulls cried over "
    "the grey water while the lamps of the town were lit one by one "
) * 4
chars = sorted(set(TEXT))
idx = {c: i for i, c in enumerate(chars)}
corpus = torch.tensor([idx[c] for c in TEXT])
V = len(chars)


def batches(batch_size, num_steps):
    n = ((len(corpus) - 1) // batch_size) * batch_size
    Xs = corpus[:n].reshape(batch_size, -1)
    Ys = corpus[1 : n + 1].reshape(batch_size, -1)
    for i in range(0, (Xs.shape[1] // num_steps) * num_steps, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class LM(nn.Module):
    def __init__(self, cell, num_hiddens, num_layers):
        super().__init__()
        self.rnn = cell(V, num_hiddens, num_layers)
        self.linear = nn.Linear(num_hiddens, V)

    def forward(self, X, state):
        X = F.one_hot(X.T, V).float()
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size):
        shape = (self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape), torch.zeros(shape))
        return torch.zeros(shape)


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def predict(prefix, n, net):
    state = net.begin_state(1)
    out = [idx[prefix[0]]]
    for c in prefix[1:]:
        _, state = net(torch.tensor([[out[-1]]]), state)
        out.append(idx[c])
    for _ in range(n):
        y, state = net(torch.tensor([[out[-1]]]), state)
        out.append(int(y.argmax(dim=1)))
    return "".join(chars[i] for i in out)


def train(name, cell, num_layers, optim_cls, lr, epochs=4):
    torch.manual_seed(42)
    net = LM(cell, 24, num_layers)
    print(
        name,
        "params",
        sum(p.numel() for p in net.parameters()),
        [tuple(p.shape) for n_, p in net.rnn.named_parameters()][:4],
    )
    opt = optim_cls(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        state, total, n = None, 0.0, 0
        for X, Y in batches(6, 8):
            state = net.begin_state(X.shape[0]) if state is None else detach(state)
            y_hat, state = net(X, state)
            l = loss(y_hat, Y.T.reshape(-1))
            opt.zero_grad()
            l.backward()
            norm = nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += l.item() * Y.numel()
            n += Y.numel()
        print(f"{name} epoch {epoch + 1} perplexity {math.exp(total / n):.4f} grad norm {norm.item():.4f}")
    print(name, "predict:", predict("the ", 12, net))
    return net


gru = train("gru", nn.GRU, 1, torch.optim.SGD, 2.0)
lstm = train("lstm", nn.LSTM, 2, torch.optim.Adam, 0.01)
x = torch.tensor([[idx["t"], idx["h"], idx["e"]]])
with torch.no_grad():
    out, (h, c) = lstm.rnn(F.one_hot(x.T, V).float())
print("lstm state", h.shape, c.shape)
print("h last", h[-1, 0, :4])
print("c last", c[-1, 0, :4])
with torch.no_grad():
    probs = F.softmax(gru(x, gru.begin_state(1))[0], dim=-1)
print("gru probs", probs[-1].topk(3))
