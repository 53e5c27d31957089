"""bmm below 400 multiply-adds per matrix is PyTorch's plain k-order loop: the sums are PyTorch's bit
for bit (a BLAS kernel adds in another order: d2l's attention lesson printed 12.0 for 12.000001)."""

import numpy as np
import pytest
import torch as T

import torchlet

RNG = np.random.default_rng(0)
SHAPES = [(2, 1, 10, 4), (3, 4, 9, 5), (1, 7, 7, 7), (5, 1, 399, 1), (2, 3, 2, 3)]


@pytest.mark.parametrize("B,n,k,m", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_small_bmm_sums_are_pytorchs(B, n, k, m, dtype):
    a = RNG.standard_normal((B, n, k)).astype(np.float32)
    b = RNG.standard_normal((B, k, m)).astype(np.float32)
    ours = torchlet.bmm(
        torchlet.tensor(a).to(getattr(torchlet, dtype)), torchlet.tensor(b).to(getattr(torchlet, dtype))
    )
    theirs = T.bmm(T.tensor(a).to(getattr(T, dtype)), T.tensor(b).to(getattr(T, dtype)))
    assert str(ours.dtype).split(".")[-1] == dtype
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())


def test_small_bmm_gradients_match():
    a = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    b = RNG.standard_normal((2, 5, 4)).astype(np.float32)
    grads = []
    for L in (torchlet, T):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        L.bmm(x, y).sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-6)
