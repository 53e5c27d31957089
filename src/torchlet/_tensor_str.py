"""Printing tensors as PyTorch does (being completed)."""

__all__ = ["set_printoptions"]


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    pass


def tensor_repr(t):
    return "tensor(" + repr(t._data.tolist()) + ")"
