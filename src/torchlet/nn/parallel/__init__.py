"""torchlet.nn.parallel: DistributedDataParallel (MPI) and DataParallel (one device)."""

from .distributed import DistributedDataParallel
from .data_parallel import (
    DataParallel,
    data_parallel,
    scatter,
    gather,
    replicate,
    parallel_apply,
)
from .data_parallel import scatter_kwargs

__all__ = [
    "DistributedDataParallel",
    "DataParallel",
    "data_parallel",
    "scatter",
    "gather",
    "replicate",
    "parallel_apply",
]
