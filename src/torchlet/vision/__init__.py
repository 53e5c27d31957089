"""torchlet.vision: torchvision's datasets, transforms, models and utils.

Subpackages load on first use (`torchlet.vision.transforms`, ...), so importing
one does not pull in the others.
"""

import importlib

_SUBMODULES = ("datasets", "transforms", "models", "utils", "io", "ops", "tv_tensors")


def __getattr__(name):
    if name in _SUBMODULES:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
