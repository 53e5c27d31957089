"""torchlet.nn.parallel: DistributedDataParallel (MPI) and DataParallel (one device)."""
from .distributed import DistributedDataParallel  # noqa: F401
from .data_parallel import (DataParallel, data_parallel, scatter, gather, replicate,  # noqa: F401
                            parallel_apply)
from .data_parallel import scatter_kwargs  # noqa: F401

__all__ = ["DistributedDataParallel", "DataParallel", "data_parallel", "scatter", "gather", "replicate",
           "parallel_apply"]
