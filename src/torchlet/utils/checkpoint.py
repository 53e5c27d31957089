"""Gradient checkpointing: run a block without keeping its activations, recompute them in
backward.

The block's forward runs once without a graph. In backward its inputs are detached, the
random-number state of the forward is restored (inside a fork, so the stream outside is
left where it was) and the block runs again with grad enabled, so dropout draws the same
masks; the gradients of that recomputation are the block's gradients.

use_reentrant=True (PyTorch's old default): backward calls `autograd.backward` on the
recomputed outputs, so parameters the block closes over get their `.grad` accumulated
directly; only the block's explicit tensor inputs take part in the outer graph, and
`autograd.grad` cannot reach the parameters.
use_reentrant=False: the forward also notes the leaf tensors the block reads (its
parameters, found on the graph of a first run) and makes them inputs of the checkpoint
node, so gradients reach them through the outer graph: `autograd.grad`, keyword
arguments and inputs that do not require grad all work as in PyTorch. (PyTorch finds
them with saved-tensor hooks instead and never builds that first graph; the values and
gradients are the same, the forward here peaks at the memory of one unsaved block.)
"""

import warnings

from ..autograd import grad_mode
from ..autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]


def noop_context_fn():
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


def _is_tensor(x):
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _detached(args):
    return tuple(a.detach().requires_grad_(a.requires_grad) if _is_tensor(a) else a for a in args)


def _replay(ctx, fn):
    """Runs fn() with the forward's random state, leaving the outer stream untouched."""
    from .. import random as _random

    if not ctx.preserve_rng_state:
        with grad_mode.enable_grad():
            return fn()
    outer = _random.get_rng_state()
    _random.set_rng_state(ctx.fwd_cpu_state)
    try:
        with grad_mode.enable_grad():
            return fn()
    finally:
        _random.set_rng_state(outer)


def _outputs_tuple(out):
    return (out,) if _is_tensor(out) else tuple(out)


class CheckpointFunction(Function):
    """use_reentrant=True: inputs are (run_function, preserve_rng_state, *args)."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        from .. import random as _random

        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = _random.get_rng_state()
        ctx.inputs = [None if _is_tensor(a) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if _is_tensor(a)]
        ctx.save_for_backward(*[a for a in args if _is_tensor(a)])
        return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        from .. import autograd
        from ..autograd.engine import _is_checkpoint_valid

        if not _is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can either "
                "set use_reentrant=False, or call .backward() without passing the `inputs` argument."
            )
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        detached = _detached(inputs)
        outputs = _outputs_tuple(_replay(ctx, lambda: ctx.run_function(*detached)))
        pairs = [(o, g) for o, g in zip(outputs, grads) if _is_tensor(o) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if _is_tensor(a) else None for a in detached)


class _NonReentrant(Function):
    """use_reentrant=False: inputs are (block, n_args, *tensor args, *leaves the block reads)."""

    @staticmethod
    def forward(ctx, block, n_args, *tensors):
        ctx.block, ctx.n_args = block, n_args
        ctx.save_for_backward(*tensors[:n_args])
        ctx.n_leaves = len(tensors) - n_args
        out = block.first_outputs
        block.first_outputs = None
        return tuple(o.detach() if _is_tensor(o) else o for o in out)

    @staticmethod
    def backward(ctx, *grads):
        from .. import autograd

        block = ctx.block
        args = ctx.saved_tensors
        detached = tuple(a.detach().requires_grad_(a.requires_grad) for a in args)
        outputs = _outputs_tuple(_replay(block, lambda: block.call(detached)))
        pairs = [(o, g) for o, g in zip(outputs, grads) if _is_tensor(o) and o.requires_grad and g is not None]
        wrt = [t for t in detached if t.requires_grad] + list(block.leaves)
        got = iter(
            autograd.grad([o for o, _ in pairs], wrt, [g for _, g in pairs], allow_unused=True)
            if pairs and wrt
            else [None] * len(wrt)
        )
        arg_grads = tuple(next(got) if t.requires_grad else None for t in detached)
        return (None, None) + arg_grads + tuple(got)


class _Block:
    """The checkpointed call with its non-tensor arguments fixed; tensors are passed in."""

    def __init__(self, function, args, kwargs, preserve):
        self.function, self.args, self.kwargs = function, list(args), kwargs
        self.tensor_at = [i for i, a in enumerate(args) if _is_tensor(a)]
        self.preserve_rng_state = preserve
        self.leaves = ()
        self.first_outputs = None

    def call(self, tensors):
        args = list(self.args)
        for i, t in zip(self.tensor_at, tensors):
            args[i] = t
        return self.function(*args, **self.kwargs)


def _graph_leaves(outputs, exclude):
    """Leaf tensors that require grad on the graph behind outputs (not those in exclude)."""
    seen, leaves, stack = set(), [], [o.grad_fn for o in outputs if _is_tensor(o) and o.grad_fn]
    excluded = {id(t) for t in exclude}
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None:
            if id(var) not in excluded and id(var) not in {id(v) for v in leaves}:
                leaves.append(var)
            continue
        stack.extend(fn for fn, _ in node.next_functions)
    return leaves


def _checkpoint_non_reentrant(function, args, kwargs, preserve):
    from .. import random as _random

    if not grad_mode.is_grad_enabled():
        return function(*args, **kwargs)
    block = _Block(function, args, kwargs, preserve)
    tensors = [args[i] for i in block.tensor_at]
    if preserve:
        block.fwd_cpu_state = _random.get_rng_state()
    detached = tuple(t.detach().requires_grad_(t.requires_grad) for t in tensors)
    out = block.call(detached)
    single = _is_tensor(out)
    outs = _outputs_tuple(out)
    block.leaves = tuple(_graph_leaves(outs, detached))
    block.first_outputs = outs
    result = _NonReentrant.apply(block, len(tensors), *tensors, *block.leaves)
    if not isinstance(result, tuple):
        result = (result,)
    if single:
        return result[0]
    return type(out)(result) if isinstance(out, (tuple, list)) else result


def checkpoint(
    function=None,
    *args,
    use_reentrant=None,
    context_fn=noop_context_fn,
    determinism_check="default",
    debug=False,
    preserve_rng_state=True,
    early_stop=True,
    respect_saved_tensors_hooks=None,
    **kwargs,
):
    """function(*args, **kwargs) with its activations recomputed in backward (module docstring)."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
            "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
            "you can pass use_reentrant=True. Refer to docs for more details on the differences between "
            "the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False or respect_saved_tensors_hooks is not None:
            raise ValueError(
                "Passing `context_fn`, `debug`, or `respect_saved_tensors_hooks` is only "
                "supported when use_reentrant=False."
            )
        if grad_mode.is_grad_enabled() and not any(_is_tensor(a) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    fwd_ctx, _ = context_fn()
    with fwd_ctx:
        return _checkpoint_non_reentrant(function, args, kwargs, preserve_rng_state)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs `functions` (a Sequential or list) in `segments` chunks, all but the last
    checkpointed."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
            "differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input

        return forward

    from ..nn.containers import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end, functions), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run_function(end + 1, len(functions) - 1, functions)(input)
