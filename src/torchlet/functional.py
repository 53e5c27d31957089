"""torchlet.functional: the `torch.functional` module.

PyTorch keeps a handful of tensor functions there (einsum, meshgrid, norm, split, ...), all of
them also torch.*; they are the same functions here. `torch.functional.F` is
torch.nn.functional.

Some programs write `torch.functional.relu` / `log_softmax` / `max_pool2d`, meaning
torch.nn.functional's. PyTorch itself has no such attributes (AttributeError); here any other
name is looked up in nn.functional, so those programs run. That is the one difference.
"""

import torchlet as _t

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "cdist",
    "einsum",
    "norm",
    "meshgrid",
    "split",
    "tensordot",
    "unique",
]

atleast_1d, atleast_2d, atleast_3d = _t.atleast_1d, _t.atleast_2d, _t.atleast_3d
broadcast_shapes, broadcast_tensors = _t.broadcast_shapes, _t.broadcast_tensors
cdist, einsum, norm, meshgrid, split = _t.cdist, _t.einsum, _t.norm, _t.meshgrid, _t.split
tensordot, unique = _t.tensordot, _t.unique


def __getattr__(name):
    if name == "F" or not name.startswith("_"):
        from .nn import functional as F

        if name == "F":
            return F
        try:
            return getattr(F, name)
        except AttributeError:
            pass
    raise AttributeError(f"module 'torchlet.functional' has no attribute '{name}'")
