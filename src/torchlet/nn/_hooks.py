"""Module hooks: handles, the hooked call path, and full backward hooks.

Full backward hooks follow PyTorch's design: the tensors going into
`forward` and the tensors coming out of it pass through identity nodes
(BackwardHookFunctionBackward). The output node sees grad_output first, the
input node sees grad_input last; it then calls
`hook(module, grad_input, grad_output)`, whose result may replace grad_input.
"""

import itertools

from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import Node, attach

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """Removes a hook from the dict(s) it was registered in."""

    def __init__(self, hooks_dict, extra=()):
        import weakref

        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add(hooks, hook, prepend=False, extra=()):
    handle = RemovableHandle(hooks, extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def call_with_hooks(module, args, kwargs):
    """Module.__call__ when some hook is registered."""
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if isinstance(res, tuple) and len(res) == 2:
                    args, kwargs = res
                else:
                    raise RuntimeError(
                        f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {res}."
                    )
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    state = None
    if (module._backward_hooks or module._backward_pre_hooks) and grad_mode._mode.enabled:
        state = _BackwardHookState(module, len(args))
        args = state.setup_inputs(args)
    result = module.forward(*args, **kwargs)
    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id in module._forward_hooks_with_kwargs:
            res = hook(module, args, kwargs, result)
        else:
            res = hook(module, args, result)
        if res is not None:
            result = res
    if state is not None:
        result = state.setup_outputs(result)
    return result


class BackwardHookFunctionBackward(Node):
    """Identity: the gradients pass through unchanged (the hooks see them)."""

    def backward(self, *grads):
        return grads


def _identity(tensors):
    outs = []
    for t in tensors:
        o = wrap(t._data)
        o._version = t._version
        outs.append(o)
    outs = tuple(outs)
    attach(outs, BackwardHookFunctionBackward, tensors, n_outputs=len(tensors))
    return outs


class _BackwardHookState:
    def __init__(self, module, n_inputs):
        self.module = module
        self.n_inputs = n_inputs
        self.input_index = None
        self.grad_outputs = None

    def setup_inputs(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad]
        if not idx:
            return args
        outs = _identity(tuple(args[i] for i in idx))
        self.input_index = idx
        outs[0]._grad_fn.register_hook(self._input_hook)
        args = list(args)
        for i, o in zip(idx, outs):
            args[i] = o
        return tuple(args)

    def setup_outputs(self, result):
        single = isinstance(result, Tensor)
        seq = (result,) if single else result
        if not isinstance(seq, tuple):
            return result
        idx = [i for i, a in enumerate(seq) if isinstance(a, Tensor) and a._requires_grad]
        if not idx:
            return result
        outs = _identity(tuple(seq[i] for i in idx))
        self.n_outputs = len(seq)
        self.output_index = idx
        outs[0]._grad_fn.register_prehook(self._output_hook)
        if single:
            return outs[0]
        seq = list(seq)
        for i, o in zip(idx, outs):
            seq[i] = o
        return type(result)(seq) if type(result) is tuple else type(result)(*seq)

    @staticmethod
    def _pack(index, values, n):
        res = [None] * n
        for i, v in zip(index, values):
            res[i] = v
        return tuple(res)

    def _output_hook(self, grads):
        module = self.module
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        if module._backward_pre_hooks:
            for hook in list(module._backward_pre_hooks.values()):
                res = hook(module, self.grad_outputs)
                if res is not None:
                    self.grad_outputs = tuple(res)
            grads = tuple(self.grad_outputs[i] for i in self.output_index)
        if self.input_index is None:
            grad_inputs = (None,) * self.n_inputs
            for hook in list(module._backward_hooks.values()):
                res = hook(module, grad_inputs, self.grad_outputs)
                if res is not None and not all(r is None for r in res):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient "
                        "should always return None or None for all gradients."
                    )
            self.grad_outputs = None
        return grads

    def _input_hook(self, grad_inputs, _grad_outputs):
        module = self.module
        res = self._pack(self.input_index, grad_inputs, self.n_inputs)
        for hook in list(module._backward_hooks.values()):
            out = hook(module, res, self.grad_outputs)
            if out is None:
                continue
            out = tuple(out)
            if len(out) != len(res):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index)
