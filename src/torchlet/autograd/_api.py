"""autograd.backward / autograd.grad: the user's entry points into the engine
(and Tensor.backward, recorded in the op table)."""

import numpy as np

from .. import _tensor  # (partly initialised when _tensor's own import brings autograd in: used at call time)
from .engine import run_backward
from ..ops._table import methods

__all__ = ["backward", "grad"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _one_like(xp, a):
    """The implicit gradient 1 of a one-element output (np.ones_like costs NumPy 1.4 us of
    Python, this 0.3: a 2x2 op's forward + backward is ~30 us)."""
    if xp is np:
        one = np.array(1, dtype=a.dtype)
        return one if a.ndim == 0 else one.reshape(a.shape)
    return xp.ones_like(a)


def _make_grads(outputs, grad_outputs, create_graph):
    Tensor, wrap = _tensor.Tensor, _tensor.wrap
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.category < 2:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            g = wrap(_one_like(out._xp, out._data))
        elif not isinstance(g, Tensor):
            raise TypeError("gradients can be either Tensors or None, but got " + type(g).__name__)
        elif g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output["
                f"{i}] has a shape of {out.shape}."
            )
        elif g._data.dtype != out._data.dtype:
            g = g.to(out.dtype)  # as PyTorch's engine, cast to the output's dtype
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's `.grad`."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, create_graph)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        res = run_backward(
            tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True, accumulate=False
        )
        from .engine import _accumulate

        for t, g in zip(inputs, res):
            if g is not None:
                _accumulate(t, [g], create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _make_grads(outputs, grad_outputs, create_graph)
    res = run_backward(
        outputs, grads, retain_graph, create_graph, inputs=inputs, allow_unused=allow_unused, accumulate=False
    )
    if materialize_grads:
        wrap = _tensor.wrap
        res = tuple(wrap(t._xp.zeros_like(t._data)) if g is None else g for t, g in zip(inputs, res))
    return res


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Tensor.backward: accumulate d(self)/d(leaf) into each leaf's `.grad`."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


_tensor_backward.__name__, _tensor_backward.__qualname__ = "backward", "Tensor.backward"
methods.backward = _tensor_backward
