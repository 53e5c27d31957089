"""Where autocast meets the ops: wrappers installed while a region is open, removed after.

There is no dispatcher in torchlet (an op is a plain function bound onto `Tensor`, `torchlet.*`,
`nn.functional`, `linalg` and imported by name into other torchlet modules), so entering the
first enabled autocast region rebinds every listed op (`_cast_lists`) wherever torchlet holds
it to a wrapper that casts its arguments; leaving the last region puts the originals back, as
the profiler's hook does. Outside autocast an op costs nothing extra.

Inside a region the wrapper is one more frame between the user and the op, so while wrappers
are installed `warnings.warn` is routed through `_warn`, which skips wrapper frames when it
counts `stacklevel`: a warning an op raises still names the user's line, as in PyTorch.

The places are found once and found again only when new torchlet modules were imported.
A profiler recording when the region opens keeps seeing the ops: its wrapper is wrapped.
"""

import sys
import types
import warnings

from . import _cast_lists

_places = []  # (owner, attribute, original function, {device: policy})
_scanned_modules = [-1]
_installed = []  # (owner, attribute, wrapper, previous value)
_made = {}  # id(op) -> its wrapper, for the ops in _places
_WRAPPER_CODES = set()  # the code objects of the wrappers: frames to skip when blaming a line
_original_warn = []


def _warn(message, category=None, stacklevel=1, source=None, **kw):
    """warnings.warn, with autocast wrapper frames left out of the stacklevel count."""
    level = stacklevel
    try:
        frame = sys._getframe(1)
        for _ in range(stacklevel - 1):
            frame = frame.f_back
            while frame is not None and frame.f_code in _WRAPPER_CODES:
                frame, level = frame.f_back, level + 1
    except (ValueError, AttributeError):
        level = stacklevel
    return _original_warn[0](message, category, level + 1, source, **kw)


def _homes():
    import torchlet
    import torchlet.nn.functional as F

    return (torchlet, F)


def _unwrap(fn):
    """The op under a recording profiler's wrapper (the scan may run while one records)."""
    return getattr(fn, "__wrapped_by_profiler__", fn)


def _scan():
    """Every (owner, attribute) holding a listed op function."""
    from .._tensor import Tensor

    import torchlet

    targets = {}  # id(fn) -> (fn, policies)
    for name, pol in _cast_lists.policies().items():
        sub, _, base = name.rpartition(".")
        if sub:  # "linalg.inv": that namespace only
            name, homes = base, (getattr(torchlet, sub),)
        else:
            homes = _homes()
        for home in homes:
            fn = _unwrap(home.__dict__.get(name))
            if type(fn) is types.FunctionType and id(fn) not in targets:
                targets[id(fn)] = (fn, pol)
                op = getattr(fn, "_op", None)  # the out= form's plain op, bound as the method
                if type(op) is types.FunctionType:
                    targets[id(op)] = (op, pol)
        fn = None if sub else _unwrap(Tensor.__dict__.get(name))  # a method that is its own function (Tensor.prod)
        if type(fn) is types.FunctionType and id(fn) not in targets:
            targets[id(fn)] = (fn, pol)
    owners = [Tensor] + [
        m
        for n, m in list(sys.modules.items())
        if m is not None and (n == "torchlet" or n.startswith("torchlet.")) and not n.startswith("torchlet.amp")
    ]
    places = []
    for owner in owners:
        for attr, value in list(vars(owner).items()):
            value = _unwrap(value)
            hit = targets.get(id(value))
            if hit is not None and hit[0] is value:
                places.append((owner, attr, value, hit[1]))
    _places[:] = places
    _made.clear()
    _scanned_modules[0] = len(sys.modules)


def install(wrap):
    """Rebind every listed op to `wrap(current, policies)`; returns nothing."""
    if _installed:
        return
    if _scanned_modules[0] != len(sys.modules):
        _scan()
    made = {}
    for owner, attr, original, pol in _places:
        current = vars(owner).get(attr)
        if current is original:
            w = _made.get(id(original))  # made once per op, kept while the op lives in _places
            if w is None:
                w = _made[id(original)] = wrap(original, pol)
        elif getattr(current, "__wrapped_by_profiler__", None) is original:
            w = made.get(id(current))
            if w is None:
                w = made[id(current)] = wrap(current, pol)
        else:
            continue
        setattr(owner, attr, w)
        _installed.append((owner, attr, w, current))
        _WRAPPER_CODES.add(w.__code__)
    if warnings.warn is not _warn:
        _original_warn[:] = [warnings.warn]
        warnings.warn = _warn


def uninstall():
    """Put back what install() replaced, where nothing else has rebound it since."""
    while _installed:
        owner, attr, w, previous = _installed.pop()
        if vars(owner).get(attr) is w:
            setattr(owner, attr, previous)
    if warnings.warn is _warn:
        warnings.warn = _original_warn[0]
