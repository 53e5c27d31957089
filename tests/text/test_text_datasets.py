"""torchlet.text.datasets: blocks, d2l's two minibatch schemes (against the same algorithm run
on PyTorch's generator with the same seed), the character vocabulary, the shipped text."""

import os

import numpy as np
import pytest
import torch

import torchlet
from torchlet.text.datasets import (
    CharVocab,
    LanguageModelDataset,
    SeqDataLoader,
    Shakespeare,
    bundled_text_path,
    load_corpus,
    seq_data_iter_random,
    seq_data_iter_sequential,
)


def test_char_vocab_round_trip_and_unknown():
    v = CharVocab("hello world")
    assert v.itos == sorted(set("hello world")) and len(v) == 8
    assert v.decode(v.encode("low held")) == "low held"
    with pytest.raises(KeyError, match="'z'"):
        v.encode("z")
    assert CharVocab.from_state_dict(v.state_dict()).encode("hello") == v.encode("hello")
    assert CharVocab("ab?", unk="?").encode("abz") == [1, 2, 0]


def test_language_model_dataset_blocks():
    tokens = np.arange(23)
    ds = LanguageModelDataset(tokens.tolist(), block_size=5)
    assert len(ds) == (23 - 1 - 5) // 5 + 1 == 4
    for i in range(len(ds)):
        x, y = ds[i]
        assert x.dtype is torchlet.long
        np.testing.assert_array_equal(x.numpy(), tokens[5 * i : 5 * i + 5])
        np.testing.assert_array_equal(y.numpy(), tokens[5 * i + 1 : 5 * i + 6])
    np.testing.assert_array_equal(ds[-1][0].numpy(), ds[3][0].numpy())
    with pytest.raises(IndexError):
        ds[4]
    overlapping = LanguageModelDataset(torchlet.arange(23), block_size=5, stride=1)
    assert len(overlapping) == 18 and overlapping[17][1].tolist() == list(range(18, 23))
    with pytest.raises(ValueError, match="too short"):
        LanguageModelDataset([1, 2, 3], block_size=5)


def test_language_model_dataset_from_text_and_dataloader():
    text = "to be or not to be, that is the question"
    ds = LanguageModelDataset(text, block_size=8)
    assert ds.vocab.decode(ds[1][0].tolist()) == text[8:16]
    batches = list(torchlet.utils.data.DataLoader(ds, batch_size=2))
    assert batches[0][0].shape == (2, 8)


# d2l's algorithms in PyTorch; the random offset / order are drawn by the same calls on a generator
# seeded alike (torchlet's, whose stream is PyTorch's once the random-stream work has landed)
class _Draw:
    def __init__(self, seed):
        self.g = torchlet.Generator().manual_seed(seed)

    def randint(self, lo, hi):
        return int(torchlet.randint(lo, hi, (1,), generator=self.g).item())

    def randperm(self, n):
        return torch.tensor(torchlet.randperm(n, generator=self.g).tolist())


def _ref_random(corpus, batch_size, num_steps, g):
    corpus = corpus[g.randint(0, num_steps) :]
    n = (len(corpus) - 1) // num_steps
    starts = (g.randperm(n) * num_steps).tolist()
    for i in range(0, batch_size * (n // batch_size), batch_size):
        b = starts[i : i + batch_size]
        yield (
            torch.tensor([corpus[j : j + num_steps] for j in b]),
            torch.tensor([corpus[j + 1 : j + 1 + num_steps] for j in b]),
        )


def _ref_sequential(corpus, batch_size, num_steps, g):
    off = g.randint(0, num_steps + 1)
    n = ((len(corpus) - off - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[off : off + n]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[off + 1 : off + 1 + n]).reshape(batch_size, -1)
    for i in range(0, num_steps * (Xs.shape[1] // num_steps), num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


@pytest.mark.parametrize("ours,ref", [(seq_data_iter_random, _ref_random), (seq_data_iter_sequential, _ref_sequential)])
def test_d2l_iterators_match_reference(ours, ref):
    corpus = list(range(35))
    got = list(ours(corpus, 2, 5, generator=torchlet.Generator().manual_seed(7)))
    want = list(ref(corpus, 2, 5, _Draw(7)))
    assert len(got) == len(want) > 0
    for (x, y), (rx, ry) in zip(got, want):
        assert x.tolist() == rx.tolist() and y.tolist() == ry.tolist()
        assert (y[:, :-1] == x[:, 1:]).all().item()


def test_seq_data_loader_sequential_batches_continue():
    corpus = torchlet.arange(100)
    batches = list(SeqDataLoader(corpus, 4, 5, generator=torchlet.Generator().manual_seed(0)))
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        assert (x1[:, 0] == x0[:, -1] + 1).all().item()  # row k of batch t+1 continues row k of t
    assert len(list(SeqDataLoader(corpus, 4, 5, use_random_iter=True))) > 0


def test_shipped_text_works_offline():
    path = bundled_text_path()
    assert os.path.getsize(path) < 1_100_000
    s = Shakespeare()
    assert s.text.startswith("PROLOGUE:\nTwo households, both alike in dignity,")
    assert "ROMEO:\n" in s.text and "HAMLET:\n" in s.text
    assert load_corpus("shakespeare") == s.text
    assert len(set(s.text)) < 100
    import tomllib

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        assert "text/assets/*" in tomllib.load(f)["tool"]["setuptools"]["package-data"]["torchlet"]


def test_load_corpus_path_and_unknown(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("abc", encoding="utf-8")
    assert load_corpus(str(p)) == "abc"
    with pytest.raises(ValueError, match="Unknown dataset 'nope'"):
        load_corpus("nope")
