"""Language-modelling data: one long token stream cut into (input, next-token target) blocks.

``LanguageModelDataset`` is a map-style Dataset of contiguous blocks for ``DataLoader``;
``seq_data_iter_random`` and ``seq_data_iter_sequential`` are d2l's two minibatch schemes
(random subsequences from a random offset; or ``batch_size`` parallel streams read in order so
a hidden state can carry over between minibatches). Randomness is drawn from torchlet's
generator (``torchlet.randint`` / ``randperm``), so a seeded run draws PyTorch's numbers."""

from ... import _tensor  # noqa: F401
from ...utils.data import Dataset

__all__ = ["LanguageModelDataset", "seq_data_iter_random", "seq_data_iter_sequential", "SeqDataLoader"]


def _as_long(tokens):
    import torchlet

    if isinstance(tokens, torchlet.Tensor):
        return tokens.to(torchlet.long).reshape(-1)
    return torchlet.tensor(list(tokens), dtype=torchlet.long)


class LanguageModelDataset(Dataset):
    """Items ``(x, y)``: ``x = tokens[i*stride : i*stride + block_size]``, ``y`` the same window
    one token later. ``stride`` defaults to ``block_size`` (non-overlapping contiguous blocks).
    ``tokens``: a 1-D sequence or tensor of ids; or a str, then encoded with ``vocab`` (a
    ``CharVocab`` of the text when not given)."""

    def __init__(self, tokens, block_size, stride=None, vocab=None):
        if isinstance(tokens, str):
            if vocab is None:
                from .vocab import CharVocab

                vocab = CharVocab(tokens)
            tokens = vocab.encode(tokens)
        self.vocab = vocab
        self.data = _as_long(tokens)
        if block_size < 1:
            raise ValueError(f"block_size should be a positive integer, but got block_size={block_size}")
        self.block_size = block_size
        self.stride = stride or block_size
        n = len(self.data) - 1 - block_size
        if n < 0:
            raise ValueError(f"a stream of {len(self.data)} tokens is too short for block_size={block_size}")
        self._len = n // self.stride + 1

    def __len__(self):
        return self._len

    def __getitem__(self, index):
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(f"index {index} is out of range for a dataset of {self._len} blocks")
        s = index * self.stride
        return self.data[s : s + self.block_size], self.data[s + 1 : s + 1 + self.block_size]


def seq_data_iter_random(corpus, batch_size, num_steps, generator=None):
    """d2l's random sampling: drop a random 0..num_steps-1 prefix, cut num_steps-long
    subsequences, visit them in a random order, ``batch_size`` at a time."""
    import torchlet

    corpus = _as_long(corpus)
    off = int(torchlet.randint(0, num_steps, (1,), generator=generator).item())
    corpus = corpus[off:]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = (torchlet.randperm(num_subseqs, generator=generator) * num_steps).tolist()
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        idx = starts[i : i + batch_size]
        yield (
            torchlet.stack([corpus[j : j + num_steps] for j in idx]),
            torchlet.stack([corpus[j + 1 : j + 1 + num_steps] for j in idx]),
        )


def seq_data_iter_sequential(corpus, batch_size, num_steps, generator=None):
    """d2l's sequential partitioning: a random 0..num_steps offset, the stream reshaped into
    ``batch_size`` rows, read num_steps columns at a time (minibatch k+1 continues k)."""
    import torchlet

    corpus = _as_long(corpus)
    off = int(torchlet.randint(0, num_steps + 1, (1,), generator=generator).item())
    num_tokens = ((len(corpus) - off - 1) // batch_size) * batch_size
    Xs = corpus[off : off + num_tokens].reshape(batch_size, -1)
    Ys = corpus[off + 1 : off + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class SeqDataLoader:
    """d2l's ``SeqDataLoader``: iterates (X, Y) minibatches of a token stream, random or
    sequential; a fresh pass (new random offset) on each ``iter``."""

    def __init__(self, corpus, batch_size, num_steps, use_random_iter=False, generator=None):
        self.corpus, self.batch_size, self.num_steps = _as_long(corpus), batch_size, num_steps
        self.use_random_iter, self.generator = use_random_iter, generator

    def __iter__(self):
        fn = seq_data_iter_random if self.use_random_iter else seq_data_iter_sequential
        return fn(self.corpus, self.batch_size, self.num_steps, self.generator)
