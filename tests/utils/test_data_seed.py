"""Same seed, same order: samplers, random_split and DataLoader draw PyTorch's own
sequence of draws, so a seeded program sees PyTorch's indices, worker seeds and
the same default-generator position afterwards."""

import random

import numpy as np
import pytest

import torchlet
from torchlet.utils import data as D


def _both(torch, seed):
    torch.manual_seed(seed)
    torchlet.manual_seed(seed)


def _same_stream_after(torch):
    """The default generators stand at the same place afterwards."""
    assert torchlet.rand(5).tolist() == torch.rand(5).tolist()


@pytest.mark.parametrize("n", [1, 7, 100])
def test_random_sampler_default_generator(torch, n):
    _both(torch, 3)
    ours, theirs = D.RandomSampler(range(n)), torch.utils.data.RandomSampler(range(n))
    for _ in range(2):  # every epoch reseeds from the default generator
        assert list(ours) == list(theirs)
    _same_stream_after(torch)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(num_samples=25),
        dict(replacement=True),
        dict(replacement=True, num_samples=70),
        dict(replacement=True, num_samples=32),
    ],
)
def test_random_sampler_variants(torch, kw):
    for seeded in (False, True):
        _both(torch, 11)
        g1 = torchlet.Generator().manual_seed(5) if seeded else None
        g2 = torch.Generator().manual_seed(5) if seeded else None
        ours = D.RandomSampler(range(10), generator=g1, **kw)
        theirs = torch.utils.data.RandomSampler(range(10), generator=g2, **kw)
        assert list(ours) == list(theirs) and list(ours) == list(theirs)
        _same_stream_after(torch)


def test_subset_random_sampler(torch):
    idx = [4, 9, 2, 33, 7, 1]
    _both(torch, 1)
    assert list(D.SubsetRandomSampler(idx)) == list(torch.utils.data.SubsetRandomSampler(idx))
    g1, g2 = torchlet.Generator().manual_seed(2), torch.Generator().manual_seed(2)
    assert list(D.SubsetRandomSampler(idx, g1)) == list(torch.utils.data.SubsetRandomSampler(idx, g2))
    _same_stream_after(torch)


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler(torch, replacement):
    w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    _both(torch, 4)
    ours = D.WeightedRandomSampler(w, 5, replacement=replacement)
    theirs = torch.utils.data.WeightedRandomSampler(w, 5, replacement=replacement)
    assert list(ours) == list(theirs) and list(ours) == list(theirs)
    _same_stream_after(torch)


def test_batch_sampler_over_random_sampler(torch):
    _both(torch, 8)
    ours = D.BatchSampler(D.RandomSampler(range(23)), 5, drop_last=False)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(range(23)), 5, False)
    assert list(ours) == list(theirs)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.8, 0.2], [0.5, 0.5]])
def test_random_split(torch, lengths):
    n = 10 if isinstance(lengths[0], int) else 31
    _both(torch, 6)
    ours = [s.indices for s in D.random_split(range(n), lengths)]
    theirs = [s.indices for s in torch.utils.data.random_split(range(n), lengths)]
    assert ours == theirs
    ours = [s.indices for s in D.random_split(range(n), lengths, torchlet.Generator().manual_seed(42))]
    theirs = [s.indices for s in torch.utils.data.random_split(range(n), lengths, torch.Generator().manual_seed(42))]
    assert ours == theirs
    _same_stream_after(torch)


def _batches(loader):
    return [[t.tolist() for t in b] if isinstance(b, (list, tuple)) else b.tolist() for b in loader]


def test_dataloader_shuffle_epochs(torch):
    """Each epoch draws the workers' base seed (even with no workers) before the
    sampler's own seed, so the default generator moves as PyTorch's does."""
    x = np.arange(30, dtype=np.float32).reshape(15, 2)
    _both(torch, 0)
    ours = D.DataLoader(D.TensorDataset(torchlet.tensor(x)), batch_size=4, shuffle=True)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x)), batch_size=4, shuffle=True)
    for _ in range(3):
        assert _batches(ours) == _batches(theirs)
        assert torchlet.randn(2).tolist() == torch.randn(2).tolist()  # interleaved draws, as a training loop
    _same_stream_after(torch)


def test_dataloader_shuffle_with_generator(torch):
    _both(torch, 0)
    ours = D.DataLoader(range(20), batch_size=6, shuffle=True, generator=torchlet.Generator().manual_seed(7))
    theirs = torch.utils.data.DataLoader(
        range(20), batch_size=6, shuffle=True, generator=torch.Generator().manual_seed(7)
    )
    for _ in range(2):
        assert _batches(ours) == _batches(theirs)
    _same_stream_after(torch)  # the explicit generator alone was drawn from


def test_dataloader_first_batch_then_drop(torch):
    """A loop that breaks after one batch still drew the base seed and the sampler's seed."""
    _both(torch, 2)
    assert (
        next(iter(D.DataLoader(range(9), batch_size=3, shuffle=True))).tolist()
        == next(iter(torch.utils.data.DataLoader(range(9), batch_size=3, shuffle=True))).tolist()
    )
    _same_stream_after(torch)


class _Seeds:
    """Each sample reports what its worker sees: worker seed, initial_seed and one
    draw from each of the framework's generator, NumPy's and Python's."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return [
            info.id,
            info.seed,
            self.lib.initial_seed(),
            self.lib.rand(1).item(),
            float(np.random.rand()),
            random.random(),
        ]


def _init_record(worker_id):
    random.seed(random.random() + worker_id)  # a worker_init_fn may reseed from what it sees


@pytest.mark.parametrize("seeded", [False, True])
def test_dataloader_worker_seeds(torch, seeded):
    _both(torch, 9)
    kw = dict(batch_size=None, num_workers=2, worker_init_fn=_init_record)
    g1 = torchlet.Generator().manual_seed(13) if seeded else None
    g2 = torch.Generator().manual_seed(13) if seeded else None
    ours = list(D.DataLoader(_Seeds(torchlet), generator=g1, **kw))
    theirs = list(torch.utils.data.DataLoader(_Seeds(torch), generator=g2, **kw))
    assert [[float(v) for v in r] for r in ours] == [[float(v) for v in r] for r in theirs]
    _same_stream_after(torch)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 5, False), (12, 4, False)])
def test_distributed_sampler(torch, n, replicas, drop_last):
    for shuffle in (True, False):
        for rank in range(replicas):
            ours = D.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=3, drop_last=drop_last)
            theirs = torch.utils.data.DistributedSampler(
                range(n), replicas, rank, shuffle=shuffle, seed=3, drop_last=drop_last
            )
            for epoch in (0, 1, 5):
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match="Invalid rank 3"):
        D.DistributedSampler(range(4), 3, 3)
    with pytest.raises(ValueError, match="Invalid rank 3"):
        torch.utils.data.DistributedSampler(range(4), 3, 3)


def test_distributed_sampler_needs_world_size(torch):
    # world size and rank come from torchlet.distributed; before init_process_group: PyTorch's ValueError
    for lib in (D, torch.utils.data):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            lib.DistributedSampler(range(4))
