"""The binder: the one place Tensor methods and torchlet.* functions come from.

It imports every op file below (each records its ops in `ops/_table.py` as it
loads), records the names in each file's `__all__` as torchlet.* functions,
then sets every recorded method on Tensor (in the alias-accepting form of
PyTorch's argument parser, `ops/_aliases.py`). `torchlet/__init__.py` re-exports
this module's `__all__`.

Adding an op to an existing file touches that file only. A new op file is
listed here once: `None` exports its whole `__all__` as torchlet.*, a tuple
only those names, `()` none (its ops are Tensor methods or nn.functional only).
"""

import importlib

from ._tensor import Tensor
from .ops import _table
from .ops._aliases import bind_aliases

OP_MODULES = {
    "creation_data": None,
    "creation": None,
    "creation_ranges": None,
    "pointwise": None,
    "pointwise_math": None,
    "pointwise_unary": None,
    "pointwise_binary": None,
    "pointwise_special": None,
    "pointwise_pairs": None,
    "comparison": None,
    "logical": None,
    "clamp": None,
    "conversion": None,
    "reduction": None,
    "reduction_stats": None,
    "reduction_sort": None,
    "counting": None,
    "reduction_scan": None,
    "reduction_extra": None,
    "view": None,
    "indexing": None,
    "indexing_mask": None,
    "indexing_reduce": None,
    "view_extra": None,
    "diagonal": None,
    "subscript": (),
    "joining": None,
    "joining_repeat": None,
    "linalg": None,
    "linalg_fused": None,
    "einsum": None,
    "linalg_spellings": None,
    "linalg_functions": None,
    "random_ops": None,
    "random_distributions": None,
    "random_inplace": None,
    "relu_sigmoid_tanh": None,
    "activation": None,
    "activation_piecewise": None,
    "softmax": None,
    "shrink": ("hardshrink",),  # softshrink is nn.functional only, as in PyTorch
    "rrelu": None,
    "pixel_shuffle": None,
    "unfold": None,
    "conv": None,
    "pooling": None,
    "pooling_avg": None,
    "pooling_adaptive": None,
    "normalization": None,
    "loss": None,
    "loss_elementwise": None,
    "loss_margin": ("margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss"),
    "dropout": None,
    "embedding": None,
    "linear": None,
    "distance": None,
    "padding": None,
    "interpolate": None,
    "attention": None,
    "complex": None,
    "svd": None,
    "inplace_functions": None,
    "sparse_convert": (),
}


def _load():
    exports = {}
    for name, names in OP_MODULES.items():
        mod = importlib.import_module(f"{__package__}.ops.{name}")
        for n in getattr(mod, "__all__", ()) if names is None else names:
            exports[n] = getattr(mod, n)
    _table.FUNCTIONS.update(exports)
    return exports


def _bind_methods():
    """Set each recorded method on Tensor; then public methods take PyTorch's
    NumPy-style keyword aliases (`axis`, `keepdims`, `x2`; in-place ones only
    `axis`/`keepdims`), as its argument parser does (`ops/_aliases.py`)."""
    for name, fn in _table.METHODS.items():
        setattr(Tensor, name, fn)
    bind_aliases(Tensor)
    _table._bound[0] = True


_exports = _load()
_bind_methods()
globals().update(_exports)
__all__ = sorted(_exports)  # noqa: PLE0605 (the op files decide it)
