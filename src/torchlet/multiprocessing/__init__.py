"""torchlet.multiprocessing: the standard library's multiprocessing, plus
tensors that share memory across processes and PyTorch's spawn.

Importing it registers the tensor reducers, so a tensor put on a Queue or
passed to a Process is moved to shared memory and received as a view of the
same pages (the Hogwild pattern: model.share_memory(); Process(target=train,
args=(model,))).
"""

import multiprocessing
from multiprocessing import *  # noqa: F403

from ._reductions import init_reductions
from .spawn import (
    spawn,
    start_processes,
    ProcessContext,
    ProcessException,
    ProcessRaisedException,
    ProcessExitedException,
    SpawnContext,
)

__all__ = list(multiprocessing.__all__) + [
    "spawn",
    "start_processes",
    "ProcessContext",
    "ProcessException",
    "ProcessRaisedException",
    "ProcessExitedException",
    "set_sharing_strategy",
    "get_sharing_strategy",
    "get_all_sharing_strategies",
]

_strategy = ["file_descriptor"]


def set_sharing_strategy(new_strategy):
    if new_strategy not in get_all_sharing_strategies():
        raise AssertionError(f"sharing strategy {new_strategy!r} is not one of {get_all_sharing_strategies()}")
    _strategy[0] = new_strategy


def get_sharing_strategy():
    return _strategy[0]


def get_all_sharing_strategies():
    return {"file_descriptor", "file_system"}


init_reductions()
