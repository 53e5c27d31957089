"""utils.data datasets, samplers, random_split and collate vs torch.utils.data."""

import collections
import warnings

import numpy as np
import pytest

import torchlet
from torchlet.utils import data as D


def _same_structure(ours, theirs):
    """Same container types, same tensor values/dtypes/shapes, same plain values."""
    import torch

    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torchlet.Tensor), type(ours)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same_structure(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same_structure(a, b)
    else:
        assert type(ours) is type(theirs) and ours == theirs


# ----- datasets -------------------------------------------------------------------------
def test_tensor_dataset_and_mismatch(torch):
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = D.TensorDataset(torchlet.tensor(x), torchlet.tensor(y))
    tds = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ds) == len(tds) == 6
    for i in (0, 3, -1):
        _same_structure(ds[i], tds[i])
    _same_structure(ds[1:4], tds[1:4])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        D.TensorDataset(torchlet.zeros(3), torchlet.zeros(2))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(2))


class _Range(D.Dataset):
    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i + self.offset

    def __len__(self):
        return self.n


def test_concat_subset_add(torch):
    a, b = _Range(3), _Range(4, 100)
    cat = a + b
    assert isinstance(cat, D.ConcatDataset)
    tcat = torch.utils.data.ConcatDataset([list(range(3)), list(range(100, 104))])
    assert len(cat) == len(tcat) == 7 and cat.cumulative_sizes == tcat.cumulative_sizes
    assert [cat[i] for i in range(-7, 7)] == [tcat[i] for i in range(-7, 7)]
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-8]
    with pytest.raises(AssertionError, match="empty iterable"):
        D.ConcatDataset([])
    sub = D.Subset(cat, [6, 0, 3])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [103, 0, 100]
    st = D.StackDataset(a, _Range(3, 10))
    assert st[2] == (2, 12)
    assert D.StackDataset(x=a, y=a)[1] == {"x": 1, "y": 1}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        D.StackDataset(a, b)


def test_dataset_base_errors():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset"):
        D.Dataset()[0]


def test_random_split_lengths_fractions(torch):
    for lengths in ([3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [0.33, 0.33, 0.34], [1.0]):
        for n in (10, 11, 17):
            if all(isinstance(v, int) for v in lengths) and sum(lengths) != n:
                continue
            ours = D.random_split(range(n), lengths, generator=torchlet.Generator().manual_seed(1))
            theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
            assert [len(s) for s in ours] == [len(s) for s in theirs]
            flat = [i for s in ours for i in s]
            assert sorted(flat) == list(range(n))  # disjoint, covering
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        D.random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        torch.utils.data.random_split(range(10), [3, 6])


def test_random_split_reproducible():
    s1 = D.random_split(range(50), [0.8, 0.2], generator=torchlet.Generator().manual_seed(3))
    s2 = D.random_split(range(50), [0.8, 0.2], generator=torchlet.Generator().manual_seed(3))
    assert s1[0].indices == s2[0].indices and s1[1].indices == s2[1].indices
    torchlet.manual_seed(5)
    a = D.random_split(range(50), [40, 10])[0].indices
    torchlet.manual_seed(5)
    b = D.random_split(range(50), [40, 10])[0].indices
    c = D.random_split(range(50), [40, 10])[0].indices
    assert a == b and a != c and sorted(a) != a


def test_random_split_zero_length_warns(torch):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        D.random_split(range(2), [0.5, 0.49, 0.01])
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        torch.utils.data.random_split(range(2), [0.5, 0.49, 0.01])
    assert [str(x.message) for x in w] == [str(x.message) for x in tw]


# ----- samplers ---------------------------------------------------------------------------
def test_sequential_and_batch_sampler(torch):
    for n, bs, dl in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True)]:
        ours = D.BatchSampler(D.SequentialSampler(range(n)), bs, dl)
        theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), bs, dl)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("args", [(0, False), (2.0, False), (True, False), (2, None)])
def test_batch_sampler_errors(torch, args):
    with pytest.raises(ValueError) as ours:
        D.BatchSampler(range(3), *args)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.BatchSampler(range(3), *args)
    assert str(ours.value) == str(theirs.value)


def test_random_sampler():
    s = D.RandomSampler(range(20), generator=torchlet.Generator().manual_seed(0))
    order = list(s)
    assert sorted(order) == list(range(20)) and order != list(range(20)) and len(s) == 20
    assert order == list(D.RandomSampler(range(20), generator=torchlet.Generator().manual_seed(0)))
    s = D.RandomSampler(range(5), num_samples=12)  # without replacement: whole permutations
    out = list(s)
    assert len(out) == 12 and sorted(out[:5]) == list(range(5)) and sorted(out[5:10]) == list(range(5))
    r = list(D.RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(r) == 100 and set(r) == {0, 1, 2}
    torchlet.manual_seed(7)
    a = list(D.RandomSampler(range(30)))
    torchlet.manual_seed(7)
    assert a == list(D.RandomSampler(range(30)))


@pytest.mark.parametrize("kw", [dict(replacement=1), dict(num_samples=0), dict(num_samples=1.5)])
def test_random_sampler_errors(torch, kw):
    with pytest.raises(Exception) as theirs:
        torch.utils.data.RandomSampler(range(3), **kw)
    with pytest.raises(theirs.type) as ours:
        D.RandomSampler(range(3), **kw)
    assert str(ours.value) == str(theirs.value)


def test_subset_and_weighted_samplers(torch):
    idx = [5, 9, 2, 7]
    out = list(D.SubsetRandomSampler(idx, generator=torchlet.Generator().manual_seed(0)))
    assert sorted(out) == sorted(idx) and len(D.SubsetRandomSampler(idx)) == 4
    w = D.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200)
    out = list(w)
    assert len(out) == 200 and set(out) == {1, 3} and out.count(3) > out.count(1)
    out = list(D.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(out) == [0, 1, 2, 3]
    for bad in (
        dict(weights=[[1.0, 2.0]], num_samples=2),
        dict(weights=[1.0], num_samples=-1),
        dict(weights=[1.0], num_samples=1, replacement=0),
    ):
        with pytest.raises(ValueError) as ours:
            D.WeightedRandomSampler(**bad)
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.WeightedRandomSampler(**bad)
        assert str(ours.value) == str(theirs.value)


# ----- collate ------------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


def _batches():
    return [
        [(1, 2.0, "a", b"x", True), (3, 4.0, "b", b"y", False)],
        [
            {"img": np.ones((2, 2), np.float32), "label": 1, "meta": [1, 2.5]},
            {"img": np.zeros((2, 2), np.float32), "label": 0, "meta": [3, 4.5]},
        ],
        [Point(1, 2.0), Point(3, 4.0)],
        [np.float32(1.5), np.float32(2.5)],
        [np.int16(1), np.int16(2)],
        [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
        [np.array(3.0), np.array(4.0)],
        ["hello", "world"],
        [[1, 2], [3, 4]],
    ]


@pytest.mark.parametrize("i", range(9))
def test_default_collate_matches_torch(torch, i):
    batch = _batches()[i]
    _same_structure(D.default_collate(batch), torch.utils.data.default_collate(batch))


def test_default_collate_tensors(torch):
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    ours = D.default_collate([(torchlet.tensor(r), int(r[0])) for r in x])
    theirs = torch.utils.data.default_collate([(torch.tensor(r), int(r[0])) for r in x])
    _same_structure(ours, theirs)


def test_default_collate_errors(torch):
    for batch in ([object()], [[1, 2], [3]], [np.array(["a"])]):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.default_collate(batch)
        with pytest.raises(theirs.type) as ours:
            D.default_collate(batch)
        assert str(ours.value) == str(theirs.value)


def test_default_convert(torch):
    for sample in ((np.zeros(2), 1, [np.ones(1)]), {"a": np.int64(3), "b": "s"}, np.arange(3), Point(np.ones(2), 2)):
        _same_structure(D.default_convert(sample), torch.utils.data.default_convert(sample))
