"""RNN language model, d2l style: from scratch, then nn.RNN; perplexity per epoch and a prediction."""

import math
import random

import torch
from torch import nn
from torch.nn import functional as F

TEXT = (
    "the time traveller for so it will be convenient to speak of him was expounding a recondite "
    "matter to us his grey eyes shone and twinkled and his usually pale face was flushed and animated "
    "the fire burned brightly and the soft radiance of the incandescent lights in the lilies of silver "
    "caught the bubbles that flashed and passed in our glasses "
) * 3

chars = sorted(set(TEXT))
idx = {c: i for i, c in enumerate(chars)}
corpus = [idx[c] for c in TEXT]
V = len(chars)
print("vocab", V, "corpus", len(corpus))


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset : offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


def get_params(vocab_size, num_hiddens):
    def normal(shape):
        return torch.randn(size=shape) * 0.01

    W_xh = normal((vocab_size, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens)
    W_hq = normal((num_hiddens, vocab_size))
    b_q = torch.zeros(vocab_size)
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for p in params:
        p.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens):
    return (torch.zeros((batch_size, num_hiddens)),)


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch:
    def __init__(self, vocab_size, num_hiddens):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens)

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return rnn(X, state, self.params)

    def begin_state(self, batch_size):
        return init_rnn_state(batch_size, self.num_hiddens)


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.linear = nn.Linear(self.num_hiddens, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, batch_size=1):
        return torch.zeros((self.rnn.num_layers, batch_size, self.num_hiddens))


def grad_clipping(params, theta):
    norm = torch.sqrt(sum(torch.sum((p.grad**2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm
    return norm


def predict(prefix, num_preds, net):
    state = net.begin_state(batch_size=1)
    outputs = [idx[prefix[0]]]
    get_input = lambda: torch.tensor([outputs[-1]]).reshape((1, 1))
    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(idx[y])
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join(chars[i] for i in outputs)


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad / batch_size
            p.grad.zero_()


def train_epoch(net, updater, params, batch_size, num_steps):
    state = None
    loss = nn.CrossEntropyLoss()
    total, n = 0.0, 0
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
        if state is None:
            state = net.begin_state(batch_size=X.shape[0])
        else:
            if isinstance(state, tuple):
                state = tuple(s.detach() for s in state)
            else:
                state = state.detach()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.backward()
            norm = grad_clipping(params, 1)
            updater.step()
        else:
            l.backward()
            norm = grad_clipping(params, 1)
            updater(batch_size=1)
        total += l.item() * y.numel()
        n += y.numel()
    return math.exp(total / n), float(norm)


random.seed(0)
torch.manual_seed(0)
batch_size, num_steps, num_hiddens, lr = 8, 10, 32, 1.0
net = RNNModelScratch(V, num_hiddens)
X = torch.arange(10).reshape((2, 5))
Y, new_state = net(X, net.begin_state(X.shape[0]))
print("scratch out", Y.shape, len(new_state), new_state[0].shape)
for epoch in range(4):
    ppl, norm = train_epoch(net, lambda batch_size: sgd(net.params, lr, batch_size), net.params, batch_size, num_steps)
    print(f"scratch epoch {epoch + 1}, perplexity {ppl:.4f}, grad norm {norm:.4f}")
print("scratch predict:", predict("the ", 10, net))

torch.manual_seed(1)
rnn_layer = nn.RNN(V, num_hiddens)
model = RNNModel(rnn_layer, V)
state = model.begin_state(batch_size)
Xs = torch.rand(size=(num_steps, batch_size, V))
Ys, state_new = rnn_layer(Xs, state)
print("concise shapes", Ys.shape, state_new.shape)
print("untrained predict:", predict("the ", 10, model))
params = [p for p in model.parameters()]
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
for epoch in range(4):
    ppl, norm = train_epoch(model, optimizer, params, batch_size, num_steps)
    print(f"concise epoch {epoch + 1}, perplexity {ppl:.4f}, grad norm {norm:.4f}")
print("concise predict:", predict("the ", 10, model))
print("first weights", model.rnn.weight_hh_l0[0, :4])
