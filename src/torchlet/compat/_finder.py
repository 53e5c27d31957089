"""The import hook behind the compatibility runner.

A meta-path finder placed first on `sys.meta_path` answers for `torch`,
`torchvision`, `safetensors.torch` and `torchsummary` (and every submodule
of the first two) with torchlet's own module objects, so `import torch`
gives `torchlet` itself and `torch.nn.Linear is torchlet.nn.Linear`.

A name torchlet lacks fails with an error naming the PyTorch API:
`import torch.sparse` raises ModuleNotFoundError and `torch.sparse_coo_tensor` /
`torch.nn.functional.foo` raise TorchletNotImplementedError ("torchlet does
not implement torch.sparse_coo_tensor"). That class derives from AttributeError (so
`hasattr` and `getattr(mod, name, default)` probing keeps working) and from
NotImplementedError (so it reads as what it is).
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types

__all__ = ["TorchletNotImplementedError", "TorchletFinder", "target_name", "alias_of"]


class TorchletNotImplementedError(AttributeError, NotImplementedError):
    """A PyTorch API that torchlet does not implement."""


TorchletNotImplementedError.__module__ = "torchlet.compat"


# alias prefix -> torchlet module; longest prefix wins
_PREFIXES = {
    "torch": "torchlet",
    "torchvision": "torchlet.vision",
    "safetensors.torch": "torchlet.safetensors",
    "torchsummary": "torchlet.compat.torchsummary",
}
# aliases that are leaves (no submodules of their own)
_LEAVES = {"safetensors.torch", "torchsummary"}


def target_name(fullname):
    """The torchlet module an aliased name maps to, or None when it is not ours."""
    best = None
    for alias in _PREFIXES:
        if fullname == alias or (fullname.startswith(alias + ".") and alias not in _LEAVES):
            if best is None or len(alias) > len(best):
                best = alias
    if best is None:
        return None
    return _PREFIXES[best] + fullname[len(best) :]


def alias_of(module_name):
    """The PyTorch-side name of a torchlet module (torchlet.vision.x -> torchvision.x)."""
    if module_name == "torchlet.safetensors":
        return "safetensors.torch"
    if module_name == "torchlet.vision" or module_name.startswith("torchlet.vision."):
        return "torchvision" + module_name[len("torchlet.vision") :]
    if module_name == "torchlet" or module_name.startswith("torchlet."):
        return "torch" + module_name[len("torchlet") :]
    return module_name


def _missing(fullname):
    err = ModuleNotFoundError(f"torchlet does not implement {fullname}", name=fullname)
    return err


def guard_module(module, alias=None):
    """Make a missing attribute of `module` raise TorchletNotImplementedError
    naming the PyTorch API; a package's submodules still load on first use."""
    if getattr(module, "__torchlet_compat_guarded__", False):
        return module
    alias = alias or alias_of(module.__name__)
    original = module.__dict__.get("__getattr__")
    is_package = hasattr(module, "__path__")

    def __getattr__(name):
        if original is not None:
            try:
                value = original(name)
                if isinstance(value, types.ModuleType):
                    guard_loaded()
                return value
            except AttributeError:
                if name.startswith("__"):
                    raise
        if name.startswith("__"):
            raise AttributeError(f"module {alias!r} has no attribute {name!r}")
        if is_package:
            sub = f"{module.__name__}.{name}"
            if sub in sys.modules:
                return sys.modules[sub]
            try:
                found = importlib.util.find_spec(sub)
            except (ImportError, ValueError):
                found = None
            if found is not None:
                value = importlib.import_module(sub)
                guard_loaded()
                return value
        raise TorchletNotImplementedError(f"torchlet does not implement {alias}.{name}")

    __getattr__.__torchlet_original__ = original
    module.__getattr__ = __getattr__
    module.__torchlet_compat_guarded__ = True
    return module


def _public(name):
    """torchlet modules that stand for a PyTorch module (not ops/compat/private ones)."""
    if name == "torchlet":
        return True
    if not name.startswith("torchlet."):
        return False
    parts = name.split(".")[1:]
    return parts[0] not in ("ops", "compat") and not any(p.startswith("_") for p in parts)


def guard_loaded():
    """Guard every public torchlet module loaded so far."""
    for name, module in list(sys.modules.items()):
        if (
            isinstance(module, types.ModuleType)
            and _public(name)
            and not getattr(module, "__torchlet_compat_guarded__", False)
        ):
            guard_module(module)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target
        self.module = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.original_spec = getattr(module, "__spec__", None)
        self.module = module
        return module

    def exec_module(self, module):
        # the import system stamped the alias spec on the module; torchlet's
        # own modules keep their own (relative imports and reloads use it)
        if self.original_spec is not None:
            module.__spec__ = self.original_spec
        guard_module(module)
        guard_loaded()


class TorchletFinder(importlib.abc.MetaPathFinder):
    """Answers `torch...`, `torchvision...`, `safetensors.torch`, `torchsummary`."""

    def find_spec(self, fullname, path=None, target=None):
        name = target_name(fullname)
        if name is None:
            return None
        if name in sys.modules:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(name))
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise _missing(fullname)
        return importlib.util.spec_from_loader(
            fullname, _AliasLoader(name), is_package=found.submodule_search_locations is not None
        )


def _safetensors_parent():
    """`safetensors.torch` needs a `safetensors` package: the real one when it
    is installed, else an empty stand-in."""
    if "safetensors" in sys.modules:
        return
    try:
        if importlib.util.find_spec("safetensors") is not None:
            return
    except (ImportError, ValueError):
        pass
    stub = types.ModuleType("safetensors")
    stub.__path__ = []
    stub.__doc__ = "stand-in made by torchlet.compat: only safetensors.torch exists"
    sys.modules["safetensors"] = stub


def install():
    """Map torch/torchvision/safetensors.torch/torchsummary onto torchlet in this process."""
    if not any(isinstance(f, TorchletFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchletFinder())
    _safetensors_parent()
    real = sys.modules.get("torch")
    if real is not None and getattr(real, "__name__", "") != "torchlet":
        import warnings

        warnings.warn(
            "torchlet.compat.install(): PyTorch was imported before; `torch` stays PyTorch in this process",
            RuntimeWarning,
            stacklevel=2,
        )
    guard_loaded()


def uninstall():
    """Remove the hook and the aliases it made (used by tests)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, TorchletFinder)]
    for name in list(sys.modules):
        if target_name(name) is not None and sys.modules[name].__name__ != name:
            del sys.modules[name]
