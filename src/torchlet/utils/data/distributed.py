"""DistributedSampler: each of `num_replicas` processes reads its own share of the
dataset. With shuffle, every replica draws the same permutation, randperm from a
fresh generator seeded with `seed + epoch` (call set_epoch each epoch), then takes
every num_replicas-th index from `rank` on, as PyTorch does."""

import math

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _require_distributed():
    """torchlet.distributed, initialized (PyTorch's errors otherwise)."""
    from ... import distributed as dist

    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _require_distributed().get_world_size()
        if rank is None:
            rank = _require_distributed().get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle, self.seed = shuffle, seed

    def __iter__(self):
        from ...ops.random_ops import randperm
        from ...random import Generator

        n = len(self.dataset)
        if self.shuffle:
            indices = randperm(n, generator=Generator().manual_seed(self.seed + self.epoch)).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:  # pad by repeating from the start
            pad = self.total_size - len(indices)
            indices += indices[:pad] if pad <= len(indices) else (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """A different permutation for every epoch (the same on every replica)."""
        self.epoch = epoch
