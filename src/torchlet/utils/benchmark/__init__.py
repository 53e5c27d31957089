"""torchlet.utils.benchmark: torch.utils.benchmark's Python timer.

`Timer(stmt, setup, globals=..., label=..., sub_label=..., description=...,
num_threads=...)` times a statement with `timeit`, `blocked_autorange` or
`adaptive_autorange` and returns a `Measurement` (printed as PyTorch prints it);
`Compare` lays many measurements out as PyTorch's comparison table. Only the
Python language is supported (no C++ timer, no Callgrind).
"""

from .utils.common import Measurement, TaskSpec, select_unit, trim_sigfig, unit_to_english, ordered_unique
from .utils.common import set_torch_threads
from .utils.timer import Timer, Language, timer
from .utils.compare import Compare, Colorize

__all__ = [
    "Timer",
    "Measurement",
    "Compare",
    "Colorize",
    "Language",
    "TaskSpec",
    "select_unit",
    "trim_sigfig",
    "unit_to_english",
    "ordered_unique",
    "set_torch_threads",
    "timer",
]
