"""The backward engine.

1. Walk the graph from the roots, counting each node's incoming edges
   (and, for autograd.grad, marking which nodes lead to a requested input).
2. Run nodes whose gradients are complete, newest first (PyTorch's order),
   summing gradients that meet at a node's output.
3. AccumulateGrad nodes add into `.grad` (backward) or hand the gradient to
   the caller (autograd.grad). Without retain_graph, saved tensors are freed.

Backward formulas run under no_grad unless create_graph is set, in which case
they are recorded like any forward computation (higher-order gradients).
"""

import heapq
import sys
import threading

from . import grad_mode
from ..ops import _block_cache
from .._device import writeable
from .anomaly_mode import _anomaly, _check_nan, _warn_forward_trace
from .graph import AccumulateGrad, edge_of

_getrefcount = sys.getrefcount


_depth = [0]  # nesting of run_backward calls (a hook may call backward)
_callbacks = []  # queue_callback: run once the outermost backward is done


def queue_callback(fn):
    """Run fn() when the current backward pass finishes (all gradients
    accumulated); DistributedDataParallel waits for its all-reduces here.
    PyTorch: Variable._execution_engine.queue_callback."""
    if not _depth[0]:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _callbacks.append(fn)


def _collect(roots):
    """Incoming-edge counts of every node reachable from `roots`."""
    deps = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        for edge in stack.pop()._next:
            if edge is not None:
                child = edge[0]
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
    return deps


def _needed(roots, targets):
    """Nodes from which a target node can be reached through at least one edge:
    only these must run their backward for autograd.grad."""
    targets = set(targets)
    needed = set()
    done = set()
    stack = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:  # children are finished: post-order
            for edge in node._next:
                if edge is not None and (edge[0] in targets or edge[0] in needed):
                    needed.add(node)
                    break
            continue
        if node in done:
            continue
        done.add(node)
        stack.append((node, True))
        stack.extend((e[0], False) for e in node._next if e is not None and e[0] not in done)
    return needed


def _accumulate(var, grads, create_graph):
    """Add grads[0] into `var.grad`. A fresh gradient buffer that nothing else
    references is taken over as is (as PyTorch steals it); anything shared is
    copied, so `.grad` never aliases another tensor."""
    grad = grads[0]
    grads[0] = None
    if type(grad._data) is not type(var._data):  # a vmapped gradient for a tensor from outside
        grad = _unbatched(var, grad)
    if grad._data.dtype != var._data.dtype:
        grad = grad.to(var.dtype)
    old = var._grad
    if old is None:
        if create_graph:
            var._grad = grad if _getrefcount(grad) <= 2 and grad._grad_fn is not None else grad.clone()
        elif (
            _getrefcount(grad) <= 2
            and grad._grad_fn is None
            and grad._base is None
            and _getrefcount(grad._data) <= 2
            and (grad._data.base is None or _sole_view(grad._data))
        ):
            var._grad = grad
        else:
            var._grad = grad.detach().clone()
    elif create_graph or not writeable(old._data):
        var._grad = old + grad
    else:
        old._xp.add(old._data, grad._data, out=old._data, casting="unsafe")
        old._version[0] += 1


def _unbatched(var, grad):
    """A gradient computed inside vmap for a tensor from outside it: summed over the batch
    (torchlet.func._vmap.unbatch_grad; plain arrays of another type pass unchanged)."""
    from ..func._vmap import unbatch_grad

    return unbatch_grad(var, grad)


def _sole_view(a):
    """a is a view (a reshape of a fresh product, say) of an array that owns
    its memory and that nothing else references: as good as fresh. Taking it
    over spares a copy of every such gradient (profiled: ~15% of a ResNet-18
    step went to cloning conv weight gradients)."""
    b = a.base
    # references to b: a's, the local name b, getrefcount's argument and _block_cache's (its blocks)
    return type(b) is type(a) and b.base is None and writeable(b) and _getrefcount(b) <= 3 + _block_cache.references(b)


def _add_into(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.n_outputs
        buf[nr] = g
    else:
        buf[nr] = g if buf[nr] is None else buf[nr] + g


def _run_pre_hooks(node, grads):
    for nr, hook in node._pre_hooks:
        if nr is None:  # Node.register_prehook: all gradients at once
            res = hook(tuple(grads))
            if res is not None:
                grads = list(res)
        elif grads[nr] is not None:  # a tensor hook on output nr
            res = hook(grads[nr])
            if res is not None:
                grads[nr] = res
    return grads


_checkpoint_state = threading.local()


def _is_checkpoint_valid():
    """False while a backward with explicit inputs (autograd.grad, backward(inputs=...)) runs:
    reentrant checkpointing cannot serve it (torch.autograd._is_checkpoint_valid)."""
    return getattr(_checkpoint_state, "valid", True)


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None, allow_unused=False, accumulate=True):
    """Backpropagate from `tensors`. With `inputs` and accumulate=False
    (autograd.grad) return their gradients instead of touching `.grad`."""
    prev = _is_checkpoint_valid()
    _checkpoint_state.valid = inputs is None
    try:
        return _run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, allow_unused, accumulate)
    finally:
        _checkpoint_state.valid = prev


def _run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, allow_unused, accumulate):
    roots = []
    for i, t in enumerate(tensors):
        edge = edge_of(t)
        if edge is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        roots.append(edge)
    root_nodes = list(dict.fromkeys(n for n, _ in roots))

    needed = capture_at = None
    if inputs is not None:
        capture_at = {}
        for i, t in enumerate(inputs):
            edge = edge_of(t)
            if edge is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture_at.setdefault(edge[0], []).append((i, edge[1]))
        needed = _needed(root_nodes, capture_at)
    deps = _collect(root_nodes)

    buffers = {}
    for (node, nr), g in zip(roots, grad_tensors):
        _add_into(buffers, node, nr, g)

    captured = {}
    anomaly = _anomaly.enabled
    check_nan = anomaly and _anomaly.check_nan
    ready = [(-n._seq, n) for n in root_nodes if n not in deps]
    heapq.heapify(ready)
    heappop, heappush = heapq.heappop, heapq.heappush
    prev_mode = grad_mode._mode.enabled
    grad_mode._mode.enabled = create_graph
    _depth[0] += 1
    callbacks = ()
    try:
        while ready:
            node = heappop(ready)[1]
            grads = buffers.pop(node, None) or [None] * node.n_outputs
            if node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if capture_at is not None and node in capture_at:
                for i, nr in capture_at[node]:
                    captured[i] = grads[nr]
            if type(node) is AccumulateGrad:
                if node._hooks:
                    for hook in node._hooks:
                        hook((), (grads[0],))
                if accumulate and grads[0] is not None:
                    var = node.variable
                    _accumulate(var, grads, create_graph)
                    post = var.__dict__.get("_post_accumulate_grad_hooks")
                    if post:
                        for hook in tuple(post.values()):
                            hook(var)
                continue
            edges = node._next
            if (needed is not None and node not in needed) or grads.count(None) == len(grads):
                outs = (None,) * len(edges)
            else:
                if node.n_outputs > 1:
                    grads = _fill_missing(node, grads)
                if anomaly:
                    outs = _anomalous_backward(node, grads, check_nan)
                else:
                    outs = node.backward(*grads)
                    if type(outs) is not tuple:
                        outs = (outs,)
                if node._hooks:
                    for hook in node._hooks:
                        res = hook(outs, tuple(grads))
                        if res is not None:
                            outs = tuple(res)
                if not retain_graph and node._saved:
                    node._saved = None  # free saved tensors (Node._release, inlined)
            for edge, g in zip(edges, outs):
                if edge is None:
                    continue
                child, nr = edge
                if g is not None:  # _add_into, inlined: this loop is the engine's hot spot
                    buf = buffers.get(child)
                    if buf is None:
                        buf = buffers[child] = [None] * child.n_outputs
                        buf[nr] = g
                    elif buf[nr] is None:
                        buf[nr] = g
                    else:
                        buf[nr] = buf[nr] + g
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    heappush(ready, (-child._seq, child))
            outs = g = None  # drop references, so AccumulateGrad can take buffers over
    finally:
        grad_mode._mode.enabled = prev_mode
        _depth[0] -= 1
        if not _depth[0]:
            callbacks, _callbacks[:] = list(_callbacks), []
    while callbacks:  # queue_callback: end of the (outermost) backward, in order
        callbacks.pop(0)()
        callbacks.extend(_callbacks)
        _callbacks.clear()

    if inputs is None:
        return None
    result = []
    for i in range(len(inputs)):
        g = captured.get(i)
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        if g is not None and type(g._data) is not type(inputs[i]._data):
            g = _unbatched(inputs[i], g)
        if g is not None and not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def _anomalous_backward(node, grads, check_nan):
    """node.backward under anomaly mode: NaN check, forward stack on error."""
    try:
        outs = node.backward(*grads)
        if type(outs) is not tuple:
            outs = (outs,)
        if check_nan:
            _check_nan(node, outs)
    except Exception:
        _warn_forward_trace(node)
        raise
    return outs


def _fill_missing(node, grads):
    """Multi-output nodes get zeros for outputs that received no gradient."""
    outs = getattr(node, "_outputs_meta", None)
    if outs is None:
        return grads
    from .. import _tensor

    device_of = next((g for g in grads if g is not None), None)  # the zeros live on the grads' device
    xp = device_of._xp if device_of is not None else _tensor.np
    return [g if g is not None else _tensor.zeros_of(*outs[i], xp=xp) for i, g in enumerate(grads)]
