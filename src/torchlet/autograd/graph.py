"""Graph nodes. Every differentiable op records one `Node` subclass named as
PyTorch names it (MulBackward0, ...); `next_functions` holds its input edges
as (node, output_nr) pairs, (None, 0) for inputs that need no gradient
(internally `_next` holds None there, which the engine skips).

A node's `backward(*grads)` gets one gradient per output and returns one per
input edge, written with Tensor ops so that create_graph builds a graph.
"""

import itertools
import re

from . import grad_mode
from .anomaly_mode import _anomaly
from ._saved_hooks import (
    _stack as _saved_hooks,
    _Packed,
    saved_tensors_hooks,
    save_on_cpu,
    disable_saved_tensors_hooks,
)

__all__ = [
    "Node",
    "TwoPathNode",
    "TWO_PATH",
    "AccumulateGrad",
    "edge_of",
    "attach",
    "saved_tensors_hooks",
    "save_on_cpu",
    "disable_saved_tensors_hooks",
]

_sequence = itertools.count()
_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Node:
    __slots__ = (
        "_next",
        "_saved",
        "_versions",
        "_seq",
        "_pre_hooks",
        "_hooks",
        "input_meta",
        "__weakref__",
        "__dict__",
    )
    n_outputs = 1

    def __init__(self, next_functions=(), saved=()):
        self._next = next_functions
        self._saved = saved
        self._versions = tuple([t._version[0] for t in saved]) if saved else ()
        if saved and _saved_hooks:  # saved_tensors_hooks: keep what pack_hook returns
            self._saved = _Packed(saved)
        self._seq = next(_sequence)
        self._pre_hooks = None
        self._hooks = None
        self.input_meta = None  # (shape, numpy dtype) per input, None where no tensor
        if _anomaly.enabled:  # anomaly mode: remember where the forward call came from
            import traceback

            self.__dict__["_trace"] = traceback.format_stack()[:-2]

    @property
    def next_functions(self):
        """((node, output_nr), ...) per input, (None, 0) where no gradient flows."""
        return tuple(_NO_EDGE if e is None else e for e in self._next)

    def needs_input_grad(self, i):
        return self._next[i] is not None

    def name(self):
        return type(self).__name__

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        if type(saved) is _Packed:
            return _unpacked(saved, self._versions)
        for t, v in zip(saved, self._versions):
            if t._version[0] != v:
                if type(saved) is SavedOutputs:  # an output: named in the message by this node
                    t = next(u for s, u in zip(saved, saved.unpack(self)) if s is t)
                raise RuntimeError(_modified(t, v))
        if type(saved) is SavedOutputs and grad_mode._mode.enabled:  # create_graph: outputs in the graph
            return saved.unpack(self)
        return saved  # (no graph recorded: an output's alias serves as it is)

    def _release(self):
        """Drop saved tensors after a backward without retain_graph."""
        if self._saved:
            self._saved = None

    def backward(self, *grads):
        raise NotImplementedError

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before; it may return replacement gradients."""
        return self._add_prehook(fn, None)

    def _add_prehook(self, fn, output_nr):
        if self._pre_hooks is None:
            self._pre_hooks = []
        entry = (output_nr, fn)
        hooks = self._pre_hooks
        if getattr(fn, "_retains_grad", False):
            hooks.append(entry)
        else:  # retain_grad hooks run last, so .grad sees what the other hooks returned
            at = len(hooks)
            while at and getattr(hooks[at - 1][1], "_retains_grad", False):
                at -= 1
            hooks.insert(at, entry)
        return _Handle(hooks, entry)

    def __call__(self, *grads):
        return self.backward(*grads)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self):
        d = self.__dict__
        return d.setdefault("_metadata", {})


def _modified(t, expected):
    """PyTorch's text for saved tensor t changed in place since it was saved at version `expected`:
    the op that made t named without its "Backward0" (as torch 2.14 prints it), nothing for a leaf."""
    fn = t._grad_fn
    made_by = "" if fn is None else f", which is output {t._output_nr} of {re.sub(r'Backward[0-9]*$', '', fn.name())},"
    hint = (
        "the backtrace further above shows the operation that failed to compute its gradient. The variable in "
        "question was changed in there or anywhere later. Good luck!"
        if _anomaly.enabled
        else "enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.type()} {list(t.shape)}]{made_by} is at version {t._version[0]}; expected version {expected} "
        f"instead. Hint: {hint}"
    )


class SavedOutputs(tuple):
    """A node's saved tensors where some are the node's own outputs (sigmoid, tanh, exp, relu and
    softmax save their result). Those are held as aliases without a grad_fn: the output's memory,
    version counter and base. Saved as they are, the output and its node would hold each other, a
    reference cycle only Python's cyclic collector breaks: with no backward run (an evaluation
    without no_grad) every such activation outlived its last use, promoted to an older
    generation. PyTorch's SavedVariable keeps an output the same way. `outputs` holds
    (position, output_nr) pairs; unpack(node) gives the outputs back with node as their grad_fn,
    as the graph sees them (Node.saved_tensors does so while a graph of the gradient is recorded;
    a backward that records none reads the aliases as they are)."""

    def unpack(self, node):
        saved = list(self)
        for i, nr in self.outputs:
            saved[i] = t = _alias(self[i])
            t._grad_fn, t._output_nr, t._requires_grad = node, nr, True
        return tuple(saved)


def _alias(t):
    """A tensor on t's memory, sharing its version counter and base, with no grad_fn."""
    a = object.__new__(type(t))
    a._data, a._version, a._base, a._view_fn = t._data, t._version, t._base, t._view_fn
    if t._base is not None:
        a._view_version, a._view_grad_mode = t._version[0], True
    a._requires_grad = a._retains_grad = False
    a._grad = a._grad_fn = a._grad_acc = None
    a._output_nr = 0
    return a


def _unlink_outputs(node, outs):
    """Replace node's saved outputs (tensors of `outs`, a tuple, whose grad_fn is node: an
    integer output such as an index has none) with SavedOutputs' aliases."""
    saved, outputs = list(node._saved), []
    for nr, o in enumerate(outs):
        if o is None or o._grad_fn is not node:
            continue
        a = None
        for i in range(len(saved)):
            if saved[i] is o:
                if a is None:
                    a = _alias(o)
                saved[i] = a
                outputs.append((i, nr))
    if outputs:
        node._saved = SavedOutputs(saved)
        node._saved.outputs = tuple(outputs)


def _unpacked(packed, versions):
    """Saved tensors kept packed by saved_tensors_hooks: unpacked. As in PyTorch, what the hooks
    keep is theirs: no in-place version check applies to it."""
    return packed.tensors()


_NO_EDGE = (None, 0)


class _Handle:
    """RemovableHandle: removes a registered hook."""

    __slots__ = ("_list", "_item")

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self):
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


TWO_PATH = []  # every TwoPathNode subclass (tests/autograd/test_two_path.py covers each)


class TwoPathNode(Node):
    """A node whose derivative is written twice, side by side, as one formula (the
    subclass docstring):

    backward_arrays(g)   on the backend arrays in as few buffers as possible: run when
                         backward records no graph (every training step). It returns
                         NotImplemented where it does not apply (a dtype, a layout).
    backward_tensors(g)  with Tensor ops: run under create_graph=True (and where the
                         array form declines), so the gradient is itself differentiable.

    tests/autograd/test_two_path.py compares both forms with PyTorch, gradients and
    second derivatives (its double backward), for every subclass."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not cls.__name__.startswith("_"):
            TWO_PATH.append(cls)

    def backward(self, g):
        if not grad_mode._mode.enabled:
            r = self.backward_arrays(g)
            if r is not NotImplemented:
                return r
        return self.backward_tensors(g)

    def backward_arrays(self, g):
        return NotImplemented

    def backward_tensors(self, g):
        raise NotImplementedError


class AccumulateGrad(Node):
    """Sink node of a leaf: adds the incoming gradient into `variable.grad`."""

    def __init__(self, variable):
        super().__init__()
        self._seq += 1 << 62  # like PyTorch: leaves accumulate as soon as they are ready
        self.variable = variable

    def backward(self, grad):
        raise RuntimeError("AccumulateGrad is applied by the engine")

    def name(self):
        return "torch::autograd::AccumulateGrad"


def edge_of(t):
    """The (node, output_nr) edge a gradient for tensor `t` flows into, or None."""
    fn = t._grad_fn
    if t._base is not None and t._view_version != t._version[0]:
        fn = refresh_view(t)
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        if t._base is not None and not t._view_grad_mode:
            return None  # a view made in no_grad mode: a leaf whose gradient PyTorch drops
        acc = t._grad_acc
        if acc is None:
            acc = t._grad_acc = AccumulateGrad(t)
        return (acc, 0)
    return None


def attach(out, node_cls, inputs, saved=(), **attrs):
    """Record `node_cls` as `out`'s grad_fn when grad mode is on and an input
    requires grad; `out` may be a tensor or a tuple of tensors. Returns `out`."""
    if not grad_mode._mode.enabled:
        return out
    for t in inputs:
        if t is not None and t._requires_grad:
            break
    else:
        return out
    # list comprehensions: cheaper than generator expressions on this hot path
    node = node_cls(tuple([None if t is None else edge_of(t) for t in inputs]), saved)
    node.input_meta = tuple([None if t is None else (t._data.shape, t._data.dtype) for t in inputs])
    if attrs:
        node.__dict__.update(attrs)
    saved = node._saved
    if type(out) is tuple:
        for i, o in enumerate(out):
            if o is not None and o.dtype.category >= 2:
                o._grad_fn, o._output_nr, o._requires_grad = node, i, True
        if saved and type(saved) is tuple and any(s is o for s in saved for o in out):
            _unlink_outputs(node, out)
    else:
        out._grad_fn, out._output_nr, out._requires_grad = node, 0, True
        if saved and type(saved) is tuple:
            for s in saved:
                if s is out:  # an op that saves its own result: no reference cycle (SavedOutputs)
                    _unlink_outputs(node, (out,))
                    break
    return out


# ----- views whose base changed in place -----------------------------------------
_AS_STRIDED = {}  # a replayed view node's class -> its AsStridedBackward0 subclass


def no_grad_view_error(what):
    """PyTorch's RuntimeError for a view made in no_grad mode: `what` happened to it."""
    return RuntimeError(
        f"A view was created in no_grad mode and {what} with grad mode enabled. Given that this use case "
        "is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view "
        "and the inplace either both inside the no_grad block (if you don't want the inplace to be "
        "tracked) or both outside (if you want the inplace to be tracked)."
    )


def refresh_view(t):
    """View t's grad_fn once its memory changed in place (the version it shares with its base moved
    since t's grad_fn was set), as PyTorch regenerates it: from the base's current history, so a
    gradient through t sees the in-place ops (a view kept its creation-time node before, and
    `v = a[0]; a.mul_(2); v.sum().backward()` gave a's input a gradient of 1, not 2).

    The view is replayed from its base (its view_fn) and the node named AsStridedBackward0, as
    PyTorch's as_strided replay prints; the replayed node's backward is the view's own. A base
    that requires no grad leaves t as it is. A view made in no_grad mode of a base that requires
    grad raises PyTorch's RuntimeError from then on (PyTorch raises even when the in-place op ran
    under no_grad too). Unlike PyTorch, an op given such a view before anything asked for its
    grad_fn or requires_grad takes it as a constant: only the view's own version says it changed.
    Returns t's grad_fn."""
    base = t._base
    if t._view_fn is None or not base._requires_grad:
        t._view_version = t._version[0]
        return t._grad_fn
    if not t._view_grad_mode:
        t._requires_grad = True
        raise no_grad_view_error("its base or another view of its base has been modified inplace")
    with grad_mode.enable_grad():
        fresh = t._view_fn(base)
    node = fresh._grad_fn
    cls = _AS_STRIDED.get(type(node))
    if cls is None:
        cls = _AS_STRIDED[type(node)] = type("AsStridedBackward0", (type(node),), {"__module__": type(node).__module__})
    node.__class__ = cls
    t._grad_fn, t._output_nr, t._requires_grad = node, fresh._output_nr, True
    t._view_version = t._version[0]
    return node
