"""torchlet.testing: assert_close with PyTorch's tolerances and failure messages."""
from ._comparison import assert_allclose, assert_close  # noqa: F401

__all__ = ["assert_close", "assert_allclose"]
