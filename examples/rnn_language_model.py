"""A d2l-style recurrent language model: preprocess a text into lower-case character tokens
with a vocabulary, read it with sequential partitioning (the hidden state carries over from one
minibatch to the next and is detached), train an LSTM with gradient clipping, report perplexity,
predict characters after a prefix."""

import collections
import math
import re

import torchlet as torch
from torchlet import nn
from torchlet.nn import functional as F
from torchlet.text.datasets import SeqDataLoader, bundled_text_path

torch.manual_seed(0)


def read_text():
    with open(bundled_text_path(), encoding="utf-8") as f:
        lines = f.read()[:12_000].splitlines()
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


class Vocab:
    """Tokens sorted by frequency; index 0 is <unk>."""

    def __init__(self, tokens):
        counter = collections.Counter(tokens)
        self.idx_to_token = ["<unk>"] + [t for t, _ in sorted(counter.items(), key=lambda x: (-x[1], x[0]))]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        return [self.token_to_idx.get(t, 0) for t in tokens]


lines = read_text()
tokens = [ch for line in lines for ch in line + " "]
vocab = Vocab(tokens)
corpus = vocab[tokens]
print(f"{len(corpus)} tokens, vocabulary {len(vocab)}: {''.join(vocab.idx_to_token[1:11])!r} ...")
batch_size, num_steps, num_hiddens = 32, 16, 64
train_iter = SeqDataLoader(corpus, batch_size, num_steps, use_random_iter=False)


class RNNModel(nn.Module):
    def __init__(self, vocab_size, num_hiddens):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.LSTM(vocab_size, num_hiddens)
        self.linear = nn.Linear(num_hiddens, vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).type(torch.float32)  # (steps, batch, vocab)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state


def predict(prefix, num_preds, net):
    state, outputs = None, [vocab[[prefix[0]]][0]]
    for y in prefix[1:]:
        _, state = net(torch.tensor([[outputs[-1]]]), state)
        outputs.append(vocab[[y]][0])
    for _ in range(num_preds):
        y, state = net(torch.tensor([[outputs[-1]]]), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join(vocab.idx_to_token[i] for i in outputs)


net = RNNModel(len(vocab), num_hiddens)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, 6):
    state, total, n = None, 0.0, 0
    for X, Y in train_iter:
        if state is not None:
            state = tuple(s.detach() for s in state)  # truncated backpropagation through time
        y_hat, state = net(X, state)
        loss = loss_fn(y_hat, Y.T.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        total += loss.item() * Y.numel()
        n += Y.numel()
    ppl = math.exp(total / n)
    if epoch == 1:
        first = ppl
    print(f"epoch {epoch}, perplexity {ppl:.2f}")
assert ppl < first * 0.8, (first, ppl)
with torch.no_grad():
    print(predict("romeo ", 40, net))
