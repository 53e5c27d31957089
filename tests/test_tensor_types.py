"""Legacy tensor types (torch.FloatTensor ...) against PyTorch."""

import pytest

import torchlet

NAMES = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor", "HalfTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_construct_and_isinstance(name, torch):
    ours, theirs = getattr(torchlet, name), getattr(torch, name)
    a, b = ours([1, 0, 3]), theirs([1, 0, 3])
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.tolist() == b.tolist()
    assert tuple(ours(2, 3).shape) == tuple(theirs(2, 3).shape)
    assert tuple(ours().shape) == tuple(theirs().shape)
    assert isinstance(a, ours) and not isinstance(a.to(torchlet.complex64), ours)
    assert isinstance(b, theirs)
    assert a.type() == b.type()


def test_repr(torch):
    assert repr(torchlet.FloatTensor) == repr(torch.FloatTensor).replace("torch.", "torchlet.")


def test_ragged_error(torch):
    from tests.oracle import check_error

    check_error(lambda m: m.FloatTensor([[1], [2, 3]]))
