"""expand's direct stride-0 view (ops/view.py _broadcast_view) against NumPy's broadcast_to
(shape, values, read-only) and PyTorch's expand (strides: a kept size-1 dim keeps its stride,
where NumPy zeroes it), in every built-in dtype, and the fallback for non-contiguous and
ml_dtypes arrays."""

import numpy as np
import pytest
import torch as T

import torchlet
from torchlet.ops.view import _broadcast_view

CASES = [
    ((), (2, 2)),
    ((1,), (3,)),
    ((2, 1), (2, 5)),
    ((1, 3), (4, 2, 3)),
    ((3,), (0, 3)),
    ((1,), (0,)),
    ((1, 1), (5, 1)),
    ((2, 1, 3), (7, 2, 4, 3)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.bool_, np.complex64])
@pytest.mark.parametrize("src,target", CASES)
def test_broadcast_view_is_numpys(src, target, dtype):
    x = np.asarray(np.random.default_rng(0).standard_normal(src)).astype(dtype)
    ours, theirs = _broadcast_view(x, target), np.broadcast_to(x, target)
    assert (ours.shape, ours.dtype) == (theirs.shape, theirs.dtype)
    assert not ours.flags.writeable
    assert ours.flags.c_contiguous == theirs.flags.c_contiguous
    if 0 not in target:  # PyTorch's strides, in elements
        want = T.from_numpy(np.ascontiguousarray(x)).expand(*target).stride()
        assert tuple(s // x.itemsize for s in ours.strides) == want
    np.testing.assert_array_equal(ours, theirs)


def test_non_contiguous_and_bfloat16_fall_back():
    x = np.arange(8.0, dtype=np.float32).reshape(2, 4)[:1, ::2]
    np.testing.assert_array_equal(_broadcast_view(x, (3, 2)), np.broadcast_to(x, (3, 2)))
    b = torchlet.ones(1, 2, dtype=torchlet.bfloat16).expand(3, 2)
    assert b.shape == (3, 2) and b.float().sum().item() == 6


@pytest.mark.parametrize("src,target", [(s, t) for s, t in CASES if 0 not in t])
def test_expand_and_its_gradient_match_pytorch(src, target):
    x = np.random.default_rng(1).standard_normal(src).astype(np.float32)
    ours = torchlet.tensor(x, requires_grad=True)
    theirs = T.tensor(x, requires_grad=True)
    w = np.random.default_rng(2).standard_normal(target).astype(np.float32)
    yo, yt = ours.expand(*target), theirs.expand(*target)
    np.testing.assert_array_equal(yo.detach().numpy(), yt.detach().numpy())
    assert yo.stride() == yt.stride()
    (yo * torchlet.tensor(w)).sum().backward()
    (yt * T.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)
