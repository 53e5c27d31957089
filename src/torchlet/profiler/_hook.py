"""Where the profiler sees op calls: THE one hook point into op dispatch.

There is no central dispatcher in torchlet (an op is a plain function bound onto
`Tensor` and `torchlet.*`), so while a profiler is recording, `install()` wraps
every op function in a small timing wrapper and rebinds it wherever torchlet
reaches it:

  * the functions of `torchlet.ops.*`, `torchlet.linalg`, `torchlet.fft` and
    `torchlet.nn.functional` (found in those modules' namespaces),
  * the same function objects as `Tensor` attributes (methods and operators),
  * the same function objects in the globals of every loaded `torchlet.*` module
    (so `nn.Linear.forward` calling an imported `linear` is seen too).

`uninstall()` puts the originals back, so with no profiler running the cost is
zero. Recorded names are PyTorch's `aten::<op>` (the function's name; operators
by their op: `__add__` -> `aten::add`, `__iadd__` -> `aten::add_`). A call that
re-enters an op of the same name (`a + b` reaching `add`) is one event.

To re-attach after the op table is restructured: `_targets()` is the only place
that says where ops live; point it at the op table's list of functions.
"""

import functools
import sys
import types

_NOT_OPS = frozenset(
    (
        "size",
        "dim",
        "ndimension",
        "numel",
        "nelement",
        "stride",
        "is_contiguous",
        "is_floating_point",
        "is_complex",
        "is_signed",
        "data_ptr",
        "element_size",
        "storage_offset",
        "tolist",
        "numpy",
        "register_hook",
        "register_post_accumulate_grad_hook",
        "retain_grad",
        "get_device",
        "untyped_storage",
        "storage",
        "type",
        "backward",
        "requires_grad_",
        "is_shared",
        "share_memory_",
        "is_set_to",
        "is_inference",
        "dim_order",
        "has_names",
        "is_pinned",
        "pin_memory",
        "cpu",
        "cuda",
        "is_nonzero",
        "__len__",
    )
)
_DUNDER = {
    "add": "add",
    "radd": "add",
    "iadd": "add_",
    "sub": "sub",
    "rsub": "rsub",
    "isub": "sub_",
    "mul": "mul",
    "rmul": "mul",
    "imul": "mul_",
    "truediv": "div",
    "rtruediv": "div",
    "itruediv": "div_",
    "floordiv": "floor_divide",
    "rfloordiv": "floor_divide",
    "ifloordiv": "floor_divide_",
    "mod": "remainder",
    "rmod": "remainder",
    "imod": "remainder_",
    "pow": "pow",
    "rpow": "pow",
    "ipow": "pow_",
    "matmul": "matmul",
    "rmatmul": "matmul",
    "neg": "neg",
    "abs": "abs",
    "eq": "eq",
    "ne": "ne",
    "lt": "lt",
    "le": "le",
    "gt": "gt",
    "ge": "ge",
    "and": "bitwise_and",
    "rand": "bitwise_and",
    "iand": "bitwise_and_",
    "or": "bitwise_or",
    "ror": "bitwise_or",
    "ior": "bitwise_or_",
    "xor": "bitwise_xor",
    "rxor": "bitwise_xor",
    "ixor": "bitwise_xor_",
    "invert": "bitwise_not",
    "lshift": "bitwise_left_shift",
    "rshift": "bitwise_right_shift",
    "getitem": "index",
    "setitem": "index_put_",
}
_OP_MODULES = ("torchlet.ops.", "torchlet.linalg", "torchlet.fft", "torchlet.nn.functional", "torchlet.special")
_installed = []  # (owner, attribute, original) to restore


def _op_name(attr, fn):
    if attr.startswith("__") and attr.endswith("__"):
        op = _DUNDER.get(attr[2:-2])
        return None if op is None else "aten::" + op
    if attr.startswith("_") or attr in _NOT_OPS:
        return None
    return "aten::" + attr


def _wrap(fn, name, recorder):
    begin, end = recorder.begin, recorder.end

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if not recorder.active:  # a reference kept past the recording window
            return fn(*args, **kwargs)
        ev = begin(name, args, kwargs, fn)
        if ev is None:
            return fn(*args, **kwargs)
        try:
            out = fn(*args, **kwargs)
        except BaseException:
            end(ev, None)
            raise
        end(ev, out)
        return out

    op.__wrapped_by_profiler__ = fn
    return op


def _targets():
    """(owner, attribute, function) for every op function reachable by name."""
    from .._tensor import Tensor

    for attr, fn in list(vars(Tensor).items()):
        if type(fn) is types.FunctionType:
            yield Tensor, attr, fn
    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname == "torchlet" or modname.startswith(_OP_MODULES)):
            continue
        for attr, fn in list(vars(mod).items()):
            if (
                type(fn) is types.FunctionType
                and fn.__module__.startswith(_OP_MODULES)
                and not fn.__module__.rsplit(".", 1)[-1].startswith("_")
            ):  # helpers (ops._util)
                yield mod, attr, fn


def install(recorder, extra_owners=()):
    """Wrap every op so `recorder.begin(name, args, kwargs, fn)` / `recorder.end(event, out)`
    see its calls (until uninstall()); `extra_owners` (objects such as module instances that
    hold op functions as attributes) are rebound too."""
    if _installed:
        raise RuntimeError("a profiler or the ONNX exporter is already recording ops; one at a time")
    wrappers = {}
    for owner, attr, fn in _targets():
        if id(fn) in wrappers:
            continue
        name = _op_name(attr, fn)
        if name is not None:
            wrappers[id(fn)] = _wrap(fn, name, recorder)
    from .._tensor import Tensor

    owners = [Tensor, *extra_owners]
    owners += [
        m
        for n, m in list(sys.modules.items())
        if m is not None and (n == "torchlet" or n.startswith("torchlet.")) and not n.startswith("torchlet.profiler")
    ]
    for owner in owners:
        for attr, value in list(vars(owner).items()):
            w = wrappers.get(id(value))
            if w is not None and type(value) is types.FunctionType:
                setattr(owner, attr, w)
                _installed.append((owner, attr, value))


def uninstall():
    while _installed:
        owner, attr, value = _installed.pop()
        setattr(owner, attr, value)
