"""The embedding's weight gradient: rows summed per index in their order (ops/embedding.py's
_add_rows_at, in rounds), against np.add.at bit for bit and against PyTorch."""

import numpy as np
import pytest

import torchlet
from torchlet.ops.embedding import _add_rows_at

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(0)
CASES = {
    "65 letters, width 128": (_RNG.integers(0, 65, 2048), 65, 128),
    "128 positions x 16": (np.tile(np.arange(128), 16), 128, 128),
    "50257 tokens": (_RNG.integers(0, 50257, 2048), 50257, 64),
    "int32, width 200": (_RNG.integers(0, 1000, 2240).astype(np.int32), 1000, 200),
    "one index in 6 (add.at)": (np.where(_RNG.random(4096) < 0.17, 3, _RNG.integers(0, 65, 4096)), 65, 16),
    "narrow rows (add.at)": (_RNG.integers(0, 10, 300), 10, 3),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_sum_as_add_at_bit_for_bit(case, dtype):
    idx, n, dim = CASES[case]
    rows = _RNG.standard_normal((idx.size, dim * 2)).astype(dtype)[:, ::2]  # a strided operand too
    want, got = np.zeros((n, dim), dtype), np.zeros((n, dim), dtype)
    np.add.at(want, idx, rows)
    _add_rows_at(np, got, idx, rows)
    assert np.array_equal(want.view(np.uint8), got.view(np.uint8))


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 3}])
def test_weight_gradient_matches_torch_bit_for_bit(kw):
    """(scale_grad_by_freq: PyTorch adds alpha * row where we add row / count; tests/nn/test_layers.py
    compares that to a tolerance.)"""
    idx = _RNG.integers(0, 65, (16, 128))
    g = _RNG.standard_normal((16, 128, 128)).astype(np.float32)
    grads = []
    for lib in (torch, torchlet):
        lib.manual_seed(0)
        w = lib.zeros(65, 128, requires_grad=True)
        lib.nn.functional.embedding(lib.tensor(idx), w, **kw).backward(lib.tensor(g))
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
