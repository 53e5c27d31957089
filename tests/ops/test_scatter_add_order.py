"""scatter_add / index_add / scatter(reduce="add") in float32 with many repeated positions: PyTorch
adds in index order in the tensor's dtype, so the sums are its sums bit for bit only when ours add
in the same order and precision (a float64 bincount gives other last bits)."""

import numpy as np
import pytest
import torch as T

import torchlet

RNG = np.random.default_rng(0)
SRC = RNG.standard_normal((400, 30)).astype(np.float32)
IDX = RNG.integers(0, 7, (400, 30))


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.zeros(7, 30).scatter_add(0, L.tensor(IDX), L.tensor(SRC)),
        lambda L: L.ones(7, 30).scatter_add_(0, L.tensor(IDX), L.tensor(SRC)),
        lambda L: L.zeros(7, 30).scatter(0, L.tensor(IDX), L.tensor(SRC), reduce="add"),
        lambda L: L.zeros(30, 7).scatter_add(1, L.tensor(IDX.T.copy()), L.tensor(SRC.T.copy())),
        lambda L: L.zeros(7, 30).index_add(0, L.tensor(IDX[:, 0]), L.tensor(SRC)),
        lambda L: L.zeros(7).scatter_add(0, L.tensor(IDX.ravel()), L.tensor(SRC.ravel())),
    ],
    ids=["scatter_add", "scatter_add_", "scatter-reduce-add", "dim1", "index_add", "1d-12000"],
)
def test_float32_sums_are_pytorchs_bit_for_bit(call):
    ours, theirs = call(torchlet).numpy(), call(T).numpy()
    assert ours.dtype == theirs.dtype == np.float32
    assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32))
