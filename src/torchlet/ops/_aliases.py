"""PyTorch's NumPy-style keyword aliases: its argument parser accepts `axis` for `dim`,
`keepdims` for `keepdim`, `x`/`a`/`x1` for `input` and `x2` for `other` on every C++-bound
function and Tensor method (never on the functions it defines in Python). `numpy_aliases(fn)`
adds them to one function; `bind_aliases` applies it over a namespace (torchlet.*, Tensor);
`out_form` (_out.py) renames them in the same call that handles out=.
"""

import functools
import inspect

__all__ = ["numpy_aliases", "bind_aliases"]

# python_arg_parser.cpp: numpy_compatibility_arg_names
_ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input", "x2": "other"}
_TARGETS = frozenset(_ALIASES.values())


def _rename(name, params, kw):
    """kw with NumPy aliases turned into the names `params` uses."""
    if kw.keys().isdisjoint(_ALIASES):
        return kw
    new = {}
    for k, v in kw.items():
        target = _ALIASES.get(k)
        if target is not None and target in params:
            if target in kw:
                raise TypeError(f"{name}() got multiple values for argument '{target}'")
            k = target
        new[k] = v
    return new


def _params(fn):
    """fn's parameter names, read from its code object (inspect.signature costs
    ~0.1 ms a function: too much for import time over every op)."""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return frozenset()
    return frozenset(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])


def _reads_aliases(fn, params, targets):
    """Whether fn takes its aliases itself (sum's axis=, keepdims=), so needs no wrapper
    frame: it must then tell a given dim from its default, which it can when that is None
    (kthvalue's dim=-1 cannot, so it keeps the wrapper and its 'multiple values' error)."""
    if not params.issuperset([k for k, v in _ALIASES.items() if v in targets and v in params]):
        return False
    dim = inspect.signature(fn).parameters.get("dim")
    return dim is None or dim.default is None


def numpy_aliases(fn, name=None, targets=_TARGETS):
    """fn accepting PyTorch's NumPy-style keyword aliases (or fn itself when it has
    no parameter in `targets` they could name)."""
    params = _params(fn)
    if params.isdisjoint(targets) or getattr(fn, "_aliases", False):
        return fn
    if _reads_aliases(fn, params, targets):
        return fn
    name = name or fn.__name__

    @functools.wraps(fn)
    def op(*args, **kw):
        if kw:
            kw = _rename(name, params, kw)
        return fn(*args, **kw)

    op._aliases = True
    return op


# Functions PyTorch defines in Python (torch/functional.py, torch/_tensor.py): its
# argument parser never sees them, so they take no aliases.
PYTHON_DEFINED = frozenset(
    (
        "atleast_1d",
        "atleast_2d",
        "atleast_3d",
        "block_diag",
        "broadcast_shapes",
        "broadcast_tensors",
        "cartesian_prod",
        "cdist",
        "chain_matmul",
        "einsum",
        "istft",
        "lu",
        "meshgrid",
        "norm",
        "split",
        "stft",
        "tensordot",
        "unique",
        "unique_consecutive",
        "normalize",
    )
)
PYTHON_DEFINED_METHODS = PYTHON_DEFINED | {"unflatten", "backward", "register_hook"}
_METHOD_TARGETS = frozenset(("dim", "keepdim", "other"))
_DIM_TARGETS = frozenset(("dim", "keepdim"))


def bind_aliases(owner, names=None, skip=None):
    """Replace the public functions `names` (default: all) of a module, or the methods
    of a class, by their alias-accepting form. A method takes `axis`/`keepdims`/`x2`
    (its input is self); an in-place method only `axis`/`keepdims`, so the
    optimizers' `p.add_(g, alpha=...)` keeps its direct call."""
    is_class = isinstance(owner, type)
    space = owner.__dict__ if is_class else vars(owner)
    if skip is None:
        skip = PYTHON_DEFINED_METHODS if is_class else PYTHON_DEFINED
    for n in list(names if names is not None else space):
        if n in skip or n.startswith("_"):
            continue
        f = space.get(n)
        if not inspect.isfunction(f) or getattr(f, "_aliases", False):
            continue
        targets = (_DIM_TARGETS if n.endswith("_") else _METHOD_TARGETS) if is_class else _TARGETS
        g = numpy_aliases(f, n, targets)
        if g is not f:
            setattr(owner, n, g)
