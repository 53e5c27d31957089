"""torchlet.testing: assert_close with PyTorch's tolerances and failure messages."""
from ._comparison import assert_close  # noqa: F401

__all__ = ["assert_close"]
