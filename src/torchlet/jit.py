"""torchlet.jit: TorchScript's entry points, as no-ops.

torchlet has no compiler, as `torchlet.compile` has none: `script` and `trace` return the
function or module they are given, which then runs eagerly with the same results.
`jit.save` writes a whole-module checkpoint (`torchlet.save(module, f)`) and `jit.load`
reads one back (`torchlet.load(f, weights_only=False)`): a round trip inside torchlet works,
but an archive of TorchScript code written by PyTorch cannot be run and is refused.
The decorators TorchScript programs use (`ignore`, `unused`, `export`, `script_method`,
`script_if_tracing`) leave their function as it is.
"""

import typing
import warnings

__all__ = [
    "script",
    "trace",
    "trace_module",
    "save",
    "load",
    "ignore",
    "unused",
    "export",
    "is_scripting",
    "is_tracing",
    "annotate",
    "Final",
    "fork",
    "wait",
    "freeze",
    "optimize_for_inference",
    "script_method",
    "script_if_tracing",
    "ScriptModule",
    "ScriptFunction",
    "Error",
    "TracerWarning",
]

Final = typing.Final


class Error(RuntimeError):
    pass


class TracerWarning(Warning):
    pass


def _deprecated(name, instead):
    """PyTorch 2.14 warns on each TorchScript entry point; so does torchlet, in its words."""
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to {instead}.", FutureWarning, stacklevel=3)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns `obj` unchanged (a function, a Module or a class)."""
    _deprecated("script", "`torch.compile` or `torch.export`")
    if optimize is not None:
        warnings.warn(
            "`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()` instead",
            FutureWarning,
            stacklevel=2,
        )
    return obj


def trace(
    func,
    example_inputs=None,
    optimize=None,
    check_trace=True,
    check_inputs=None,
    check_tolerance=1e-05,
    strict=True,
    _force_outplace=False,
    _module_class=None,
    _compilation_unit=None,
    example_kwarg_inputs=None,
    _store_inputs=True,
):
    """Returns `func` unchanged: eager execution gives what the trace would."""
    _deprecated("trace", "`torch.compile` or `torch.export`")
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def _identity_decorator(fn=None, **kwargs):
    if fn is None:
        return lambda f: f
    return fn


ignore = unused = export = script_method = script_if_tracing = _identity_decorator


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def save(m, f, _extra_files=None):
    """Writes `m` as a whole-module torchlet checkpoint (atomically, when `f` is a path)."""
    _deprecated("save", "`torch.export`")
    from .serialization import save as _save

    _save(m, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Reads a module that `jit.save` wrote."""
    _deprecated("load", "`torch.export`")
    import io
    import os
    import zipfile
    from .serialization import load as _load

    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise ValueError(f"The provided filename {os.fspath(f)} does not exist")
        if os.path.isdir(f):
            raise ValueError(f"The provided filename {os.fspath(f)} is a directory")
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        names = []
    if any("/code/" in n or n.endswith("/constants.pkl") for n in names):
        raise RuntimeError(
            "this file is a TorchScript archive written by PyTorch: torchlet has no "
            "TorchScript interpreter; save the module's state_dict in PyTorch and load "
            "it into the same torchlet module instead"
        )
    return _load(io.BytesIO(data), map_location=map_location, weights_only=False)


class ScriptModule:
    """Placeholder type: nothing torchlet makes is a ScriptModule."""


class ScriptFunction:
    """Placeholder type: nothing torchlet makes is a ScriptFunction."""
