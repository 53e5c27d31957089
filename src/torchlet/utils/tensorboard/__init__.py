"""TensorBoard logging: `SummaryWriter` writes real TensorBoard event files
(through the tensorboard package's own event-file writer and protobufs), so
`tensorboard --logdir` and tensorboard's EventAccumulator read them.

The tensorboard package is optional (``pip install torchlet[tensorboard]``);
importing this module without it raises ImportError, as PyTorch does.
"""

try:
    import tensorboard
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "torchlet.utils.tensorboard needs the tensorboard package, which is not installed. "
        "Install it with `pip install torchlet[tensorboard]` (or `pip install tensorboard`)."
    ) from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
