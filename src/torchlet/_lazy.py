"""Subpackages that load on first attribute access, as `import torch` makes them reachable.

`import torch` makes `torch.utils.data.DataLoader`, `torch.fft.fft`, ... reachable
without importing those modules by name. Importing all of them eagerly would make
`import torchlet` slow, so a package lists its submodules and gets a module-level
`__getattr__` (PEP 562) that imports one the first time it is read. A listed name
whose module does not exist (yet) raises AttributeError, as any missing attribute.
"""

import importlib


def lazy_getattr(package, submodules, extra=None):
    """A module `__getattr__` for `package` that imports `package.<name>` for each
    name in `submodules`; `extra(name)` may supply other attributes (or raise
    AttributeError)."""
    submodules = frozenset(submodules)

    def __getattr__(name):
        if name in submodules:
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{package}.{name}":
                    raise  # the module exists but something it imports does not
        if extra is not None:
            return extra(name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def lazy_dir(module_globals, submodules):
    """`__dir__` listing the lazy submodules next to what is already loaded."""

    def __dir__():
        return sorted(set(module_globals) | set(submodules))

    return __dir__
