"""torchlet.autograd.Function: custom differentiable operations.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    out = Exp.apply(x)

As in PyTorch, `ctx` is the graph node itself: an instance of a Node
subclass made for each Function subclass and named `<Name>Backward`, so
`out.grad_fn` is the ctx that forward filled in. forward runs under no_grad;
apply records the node when grad mode is on and a tensor input requires grad.
"""

import functools
import inspect

from . import grad_mode
from .graph import Node, _unlink_outputs, edge_of
from ._saved_hooks import pack_saved

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "InplaceFunction"]


class FunctionCtx:
    """The methods forward / setup_context call on ctx."""

    __slots__ = ()

    def save_for_backward(self, *tensors):
        from .._tensor import Tensor

        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type {type(t).__name__}"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self._dirty = args

    def mark_non_differentiable(self, *args):
        self._non_differentiable = args

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx, Node):
    """Base of every `<Name>Backward` node: runs the Function's backward and
    checks what it returns (count, None for non-tensor inputs, shapes)."""

    _forward_cls = None
    _materialize_grads = True
    _dirty = ()
    _non_differentiable = ()
    _to_save = ()

    def __init__(self):
        Node.__init__(self)

    @property
    def saved_tensors(self):
        saved = Node.saved_tensors.fget(self)
        return tuple(saved[i] if i not in self._none_saved else None for i in range(len(saved)))

    saved_variables = saved_tensors

    def apply(self, *grads):
        return self.backward(*grads)

    def backward(self, *grads):
        if self._materialize_grads:
            from ..ops.creation import zeros

            grads = tuple(
                zeros(m[0], dtype=m[1]) if g is None and m is not None else g for g, m in zip(grads, self._out_meta)
            )
        result = self._forward_cls.backward(self, *grads)
        return self._check_grads(result if type(result) is tuple else (result,))

    def _check_grads(self, grads):
        """One gradient per forward argument in; one per tensor argument (edge) out."""
        from .._tensor import Tensor
        from ..ops._util import reduce_grad

        name = type(self).__name__
        n = len(self._arg_meta)
        if len(grads) != n:
            if len(grads) < n or any(g is not None for g in grads[n:]):
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients (expected {n}, got {len(grads)})"
                )
        out = []
        for i, meta in enumerate(self._arg_meta):
            g = grads[i]
            if g is None:
                if meta is not None:
                    out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if meta is None:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at "
                    f"position {i + 1}, but the corresponding forward input was not a "
                    "Variable"
                )
            shape = meta[0]
            if g._data.shape != shape and not _sums_to(g._data.shape, shape):
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got "
                    f"{list(g._data.shape)} but expected shape compatible with "
                    f"{list(shape)}"
                )
            out.append(reduce_grad(g, meta) if self._next[len(out)] is not None else None)
        return tuple(out)

    def __repr__(self):  # as PyTorch prints a custom Function's node
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"


def _sums_to(gshape, shape):
    """Can a gradient of gshape be summed down to shape (shape broadcasts to gshape)?"""
    if len(shape) > len(gshape):
        return False
    return all(s == 1 or s == t for s, t in zip(shape[::-1], gshape[::-1]))


class _FunctionMeta(type):
    """Gives every Function subclass its `<Name>Backward` node class."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Base of custom autograd functions: define static forward and backward,
    call `apply`. forward(ctx, *args) or, with setup_context defined,
    forward(*args) followed by setup_context(ctx, inputs, output)."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        import warnings

        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions "
            "are all static, so you should invoke them on the class itself. Instantiating "
            "an autograd function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method. "
            "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        ctx = cls._backward_cls()
        is_tensor = [isinstance(a, Tensor) for a in args]
        needs = tuple(t and a._requires_grad for t, a in zip(is_tensor, args))
        ctx.needs_input_grad = needs
        record = grad_mode._mode.enabled and any(needs)
        with grad_mode.no_grad():
            if _has_setup_context(cls):
                bound = inspect.signature(cls.forward).bind(*args, **kwargs)
                bound.apply_defaults()
                inputs = bound.args
                output = cls.forward(*inputs)
                cls.setup_context(ctx, inputs, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not record:
            _check_dirty_leaves(ctx, args, False)
            return output
        ctx._next = tuple(edge_of(a) if n else None for a, n, t in zip(args, needs, is_tensor) if t)
        ctx._arg_meta = tuple((a._data.shape, a._data.dtype) if t else None for a, t in zip(args, is_tensor))
        ctx.input_meta = tuple(m for m in ctx._arg_meta if m is not None)
        return _wrap_outputs(ctx, args, output)


def _has_setup_context(cls):
    return cls.setup_context is not Function.setup_context


def _check_dirty_leaves(ctx, args, record):
    for t in ctx._dirty:
        if grad_mode._mode.enabled and t._grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        t._version[0] += 1


def _wrap_outputs(ctx, args, output):
    """Point the outputs' grad_fn at ctx; inputs returned unchanged become
    aliases, dirty inputs are rebased onto ctx."""
    from .._tensor import Tensor, _view_of

    single = not isinstance(output, tuple)
    outs = (output,) if single else output
    _check_dirty_leaves(ctx, args, True)
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    arg_ids = {id(a) for a in args if isinstance(a, Tensor)}
    result, meta = [], []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            meta.append(None)
            continue
        if id(o) in arg_ids and id(o) not in dirty:
            o = _view_of(o, o._data)  # returned as is: an alias with this node as grad_fn
            o._requires_grad = False  # (made under no_grad: it would inherit the input's flag)
        meta.append((tuple(o._data.shape), o.dtype))
        if id(o) not in non_diff and o.dtype.category >= 2:
            o._grad_fn, o._output_nr, o._requires_grad = ctx, i, True
        result.append(o)
    ctx.n_outputs = len(outs)
    ctx._out_meta = tuple(meta)
    saved = ctx._to_save
    ctx._to_save = ()  # kept as _saved below (an output held here too would be a reference cycle)
    ctx._none_saved = {i for i, t in enumerate(saved) if t is None}
    if ctx._none_saved:
        from ..ops.creation import zeros

        saved = tuple(zeros(0) if t is None else t for t in saved)
    ctx._versions = tuple(t._version[0] for t in saved)
    ctx._saved = pack_saved(saved) if saved else saved  # saved_tensors_hooks
    if type(ctx._saved) is tuple and any(s is o for s in ctx._saved for o in result):
        _unlink_outputs(ctx, tuple(result))  # a saved output: no reference cycle (graph.SavedOutputs)
    return result[0] if single else tuple(result)


class _DelayedError(Node):
    """Stands in for the backward of a once_differentiable backward."""

    def backward(self, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn):
    """Decorator for a Function's backward that is not itself differentiable:
    it runs under no_grad, and differentiating its result again raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._tensor import Tensor, _view_of

        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode._mode.enabled:
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        err = _DelayedError()
        err.n_outputs = len(outs)
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                o = _view_of(o, o._data)
                o._grad_fn, o._output_nr, o._requires_grad = err, i, True
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)

    return wrapper


class InplaceFunction(Function):
    """Kept for old code: a Function with an `inplace` flag."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace
