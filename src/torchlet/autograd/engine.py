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

from . import grad_mode
from .graph import AccumulateGrad


def _collect(roots, targets):
    """Incoming-edge counts of every node reachable from `roots`; with
    `targets`, also the set of nodes from which a target is reachable."""
    deps = {}
    seen = set()
    order = []  # post-order, for the `needed` pass
    stack = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for edge in node.next_functions:
            if edge is not None:
                child = edge[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    stack.append((child, False))
    if targets is None:
        return deps, None
    needed = set(targets)
    for node in order:  # children come before parents in post-order
        if node not in needed:
            for edge in node.next_functions:
                if edge is not None and edge[0] in needed:
                    needed.add(node)
                    break
    return deps, needed


def _accumulate(var, grad, create_graph, stolen):
    """Add `grad` into `var.grad`, never aliasing a buffer another leaf holds."""
    if grad.dtype is not var.dtype:
        grad = grad.to(var.dtype)
    old = var._grad
    if old is None:
        if id(grad) in stolen or not grad._owns_memory():
            grad = grad.clone() if create_graph else grad.detach().clone()
        elif not create_graph:
            grad = grad.detach()
        stolen.add(id(grad))
        var._grad = grad
    elif create_graph or grad_mode._mode.enabled:
        var._grad = old + grad
    else:
        old.add_(grad)


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from `tensors`. With `inputs` and accumulate=False
    (autograd.grad) return their gradients instead of touching `.grad`."""
    from .graph import edge_of
    roots, root_grads = [], []
    for t, g in zip(tensors, grad_tensors):
        edge = edge_of(t)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append(edge)
        root_grads.append(g)

    targets = None
    input_edges = None
    if inputs is not None:
        input_edges = []
        for t in inputs:
            edge = edge_of(t)
            if edge is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            input_edges.append(edge)
        targets = [e[0] for e in input_edges]
    root_nodes = []
    for n, _ in roots:
        if n not in root_nodes:
            root_nodes.append(n)
    deps, needed = _collect(root_nodes, targets)

    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    captured = {}
    capture_at = {}
    if input_edges is not None:
        for i, (node, nr) in enumerate(input_edges):
            capture_at.setdefault(node, []).append((i, nr))

    ready = [(-n._seq, id(n), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    stolen = set()
    prev_mode = grad_mode._mode.enabled
    grad_mode._mode.enabled = create_graph
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or [None] * node.n_outputs
            if node._pre_hooks:
                for nr, hook in node._pre_hooks:
                    if nr is None:
                        res = hook(tuple(grads))
                        if res is not None:
                            grads = list(res)
                    elif grads[nr] is not None:
                        res = hook(grads[nr])
                        if res is not None:
                            grads[nr] = res
            if node in capture_at:
                for i, nr in capture_at[node]:
                    captured[i] = grads[nr]
            if type(node) is AccumulateGrad:
                if accumulate and grads[0] is not None:
                    _accumulate(node.variable, grads[0], create_graph, stolen)
                if node._hooks:
                    for hook in node._hooks:
                        hook((grads[0],), (grads[0],))
                continue
            if needed is not None and node not in needed:
                _release_and_skip(node, retain_graph, deps, ready)
                continue
            if all(g is None for g in grads):
                outs = (None,) * len(node.next_functions)
            else:
                if node.n_outputs > 1:
                    grads = _fill_missing(node, grads)
                outs = node.backward(*grads)
                if type(outs) is not tuple:
                    outs = (outs,)
            if node._hooks:
                for hook in node._hooks:
                    res = hook(outs, tuple(grads))
                    if res is not None:
                        outs = tuple(res)
            if not retain_graph:
                node._release()
            for edge, g in zip(node.next_functions, outs):
                if edge is None:
                    continue
                child, nr = edge
                if g is not None:
                    buf = buffers.get(child)
                    if buf is None:
                        buf = buffers[child] = [None] * child.n_outputs
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    heapq.heappush(ready, (-child._seq, id(child), child))
    finally:
        grad_mode._mode.enabled = prev_mode

    if inputs is None:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                               "graph. Set allow_unused=True if this is the desired behavior.")
        if g is not None and not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def _release_and_skip(node, retain_graph, deps, ready):
    """A node no requested input depends on: pass nothing on, but keep counts right."""
    for edge in node.next_functions:
        if edge is not None:
            child = edge[0]
            deps[child] -= 1
            if deps[child] == 0:
                heapq.heappush(ready, (-child._seq, id(child), child))


def _fill_missing(node, grads):
    """Multi-output nodes get zeros for outputs that received no gradient."""
    outs = getattr(node, "_outputs_meta", None)
    if outs is None:
        return grads
    from .. import _tensor
    return [g if g is not None else _tensor.zeros_of(*outs[i]) for i, g in enumerate(grads)]
