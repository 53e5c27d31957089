"""Text preprocessing, d2l style: tokenize, build a Vocab, map the corpus to indices."""

import collections
import re

import torch

TEXT = """The Time Traveller (for so it will be convenient to speak of him)
was expounding a recondite matter to us. His grey eyes shone and
twinkled, and his usually pale face was flushed and animated. The
fire burned brightly, and the soft radiance of the incandescent
lights in the lilies of silver caught the bubbles that flashed and
passed in our glasses. Our chairs, being his patents, embraced and
caressed us rather than submitted to be sat upon, and there was that
luxurious after-dinner atmosphere when thought roams gracefully
free of the trammels of precision. And he put it to us in this
way, marking the points with a lean forefinger, as we sat and lazily
admired his earnestness over this new paradox (as we thought it)
and his fecundity.
You must follow me carefully. I shall have to controvert one or two
ideas that are almost universally accepted. The geometry, for
instance, they taught you at school is founded on a misconception."""


def read_lines(text):
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.split("\n")]


def tokenize(lines, token="word"):
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError("unknown token type: " + token)


def count_corpus(tokens):
    if len(tokens) == 0 or isinstance(tokens[0], list):
        tokens = [t for line in tokens for t in line]
    return collections.Counter(tokens)


class Vocab:
    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        tokens = tokens or []
        reserved_tokens = reserved_tokens or []
        counter = count_corpus(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = ["<unk>"] + reserved_tokens
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(t) for t in tokens]

    def to_tokens(self, indices):
        if not isinstance(indices, (list, tuple)):
            return self.idx_to_token[indices]
        return [self.idx_to_token[i] for i in indices]

    @property
    def unk(self):
        return 0

    @property
    def token_freqs(self):
        return self._token_freqs


lines = read_lines(TEXT)
print(f"# text lines: {len(lines)}")
print(lines[0])
words = tokenize(lines)
for i in range(3):
    print(words[i])
vocab = Vocab(words, min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
print("vocab size", len(vocab))
print(list(vocab.token_to_idx.items())[:10])
print("top tokens", vocab.token_freqs[:8])
print("indices", vocab[words[0]])
print("back", vocab.to_tokens(vocab[words[0]][:5]))

chars = tokenize(lines, "char")
cvocab = Vocab(chars)
corpus = [cvocab[c] for line in chars for c in line]
print("chars", len(corpus), "char vocab", len(cvocab))
t = torch.tensor(corpus)
print("corpus tensor", t.shape, t.dtype, t[:12])
counts = torch.bincount(t, minlength=len(cvocab))
print("bincount", counts[:10])
freqs = counts.float() / counts.sum()
print("freqs", freqs[:6])
print("entropy {:.4f}".format(float(-(freqs[freqs > 0] * freqs[freqs > 0].log()).sum())))
top = torch.topk(counts, 5)
print("topk", top.values, [cvocab.to_tokens(int(i)) for i in top.indices])

# bigrams and a Zipf-style log-log slope
word_list = [w for line in words for w in line]
bigrams = [pair for pair in zip(word_list[:-1], word_list[1:])]
bvocab = Vocab(bigrams)
print("bigrams", bvocab.token_freqs[:3])
f = torch.tensor([float(fr) for _, fr in vocab.token_freqs])
x = torch.log(torch.arange(1, len(f) + 1, dtype=torch.float32))
y = torch.log(f)
slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
print(f"zipf slope {slope.item():.4f}")
padded = torch.nn.utils.rnn.pad_sequence(
    [torch.tensor(vocab[w]) for w in words[:4]], batch_first=True, padding_value=vocab["<pad>"]
)
print(padded)
valid = (padded != vocab["<pad>"]).sum(dim=1)
print("valid lens", valid)
