"""torchlet.testing: assert_close with PyTorch's tolerances and failure messages."""

from ._comparison import assert_allclose, assert_close

__all__ = ["assert_close", "assert_allclose"]
