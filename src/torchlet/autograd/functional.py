"""torchlet.autograd.functional: Jacobians, Hessians and their products,
built on autograd.grad as in PyTorch (reverse mode only).

    vjp(f, x, v)   = (f(x), v^T J)           jvp(f, x, v) = (f(x), J v)
    jacobian(f, x) = J, shape out.shape + x.shape
    hessian(f, x)  = jacobian of the gradient (f scalar)
    hvp / vhp      = (f(x), H v) / (f(x), v^T H)

jvp uses the double-backward trick: g(u) = u^T J is linear in u, so
d(g . v)/du = J v. Inputs given as one tensor give tensor results; tuples
give tuples. `strict`, `vectorize` and `strategy` are accepted; only
reverse mode is implemented.
"""

from ._api import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg_name, fn_name):
    from .._tensor import Tensor

    is_tuple = isinstance(x, tuple)
    xs = x if is_tuple else (x,)
    for i, el in enumerate(xs):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple "
                    f"of Tensors but the value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                f"Tensors but the given {arg_name} has type {type(el)}."
            )
    return is_tuple, xs


def _prepare(inputs, create_graph):
    """Fresh leaves that require grad (or differentiable aliases under create_graph)."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _post(xs, create_graph):
    return tuple(x if create_graph or x is None else x.detach() for x in xs)


def _untuple(res, is_tuple):
    """Undo tuple wrapping: is_tuple is a bool or a pair (outer, inner)."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            res = tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if is_tuple else res[0]


def _grads(outputs, inputs, grad_outputs, create_graph):
    """autograd.grad with zeros for inputs the outputs do not reach."""
    from ..ops.creation import zeros_like

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad and g is not None]
    if pairs:
        gs = _grad(
            [p[0] for p in pairs],
            inputs,
            [p[1] for p in pairs],
            retain_graph=True,
            create_graph=create_graph,
            allow_unused=True,
        )
    else:
        gs = (None,) * len(inputs)
    return tuple(zeros_like(x) if g is None else g for x, g in zip(inputs, gs))


def _validate_v(v, outputs, name, what):
    for i, (a, b) in enumerate(zip(v, outputs)):
        if a.shape != b.shape:
            raise RuntimeError(f"Entry {i} in {name} has invalid size: should be {b.shape} but got {a.shape}.")
    if len(v) != len(outputs):
        raise RuntimeError(f"{name} is a tuple of invalid length: should be {len(outputs)} but got {len(v)}.")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    with enable_grad():
        is_in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "vjp")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns "
                    "a single Tensor with a single element."
                )
            from ..ops.creation import ones_like

            vs = (ones_like(outs[0]),)
        else:
            _, vs = _as_tuple(v, "v", "vjp")
            _validate_v(vs, outs, "v", "outputs")
        res = _grads(outs, xs, vs, create_graph)
    return _untuple(_post(outs, create_graph), is_out_tuple), _untuple(_post(res, create_graph), is_in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by differentiating u -> u^T J with respect to u."""
    from ..ops.creation import zeros_like, ones_like

    with enable_grad():
        is_in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
        xs = _prepare(xs, create_graph)
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided "
                    "function is a single Tensor with a single element."
                )
            vs = (ones_like(xs[0]),)
        else:
            _, vs = _as_tuple(v, "v", "jvp")
            _validate_v(vs, xs, "v", "inputs")
        out = func(*xs)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jvp")
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grads(outs, xs, us, True)
        res = _grads(gs, us, vs, create_graph)
    return _untuple(_post(outs, create_graph), is_out_tuple), _untuple(_post(res, create_graph), is_out_tuple)


def _stack(rows):
    """Stack same-shape rows along a new dim 0 (differentiably)."""
    from ..ops.joining import stack

    return stack(rows)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """J[out][in] of shape out.shape + in.shape, one backward per output element."""
    from ..ops.creation import zeros, zeros_like

    if strategy != "reverse-mode":
        raise NotImplementedError("torchlet's jacobian implements strategy='reverse-mode' only")
    with enable_grad():
        is_in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jacobian")
        jac = []
        for o in outs:
            n = o.numel()
            rows = [[] for _ in xs]
            for j in range(n):
                onehot = zeros_like(o)
                onehot._data.reshape(-1)[j] = 1
                for k, g in enumerate(_grads((o,), xs, (onehot,), create_graph)):
                    rows[k].append(g)
            per_in = []
            for k, x in enumerate(xs):
                shape = tuple(o.shape) + tuple(x.shape)
                if n == 0:
                    per_in.append(zeros(shape, dtype=x.dtype))
                else:
                    per_in.append(_stack(rows[k]).reshape(shape))
            jac.append(tuple(_post(per_in, create_graph)))
    return _untuple(tuple(jac), (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar func: H[i][j] of shape in_i.shape + in_j.shape."""
    is_in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*inp):
        out = func(*inp)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element.")
        return outs[0].reshape(())

    def jac_func(*inp):
        return jacobian(scalar_func, inp, create_graph=True)

    res = jacobian(jac_func, xs, create_graph=create_graph)
    return _untuple(res, (is_in_tuple, is_in_tuple))


def _second_order(func, inputs, v, create_graph, name):
    with enable_grad():
        is_in_tuple, xs = _as_tuple(inputs, "inputs", name)
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", name)
        if is_out_tuple or outs[0].numel() != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element.")
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided "
                    "function is a single Tensor with a single element."
                )
            from ..ops.creation import ones_like

            vs = (ones_like(xs[0]),)
        else:
            _, vs = _as_tuple(v, "v", name)
            _validate_v(vs, xs, "v", "inputs")
        from ..ops.creation import ones_like

        jac = _grads(outs, xs, (ones_like(outs[0]),), True)
        res = _grads(jac, xs, vs, create_graph)
    return _post(outs, create_graph)[0], _untuple(_post(res, create_graph), is_in_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    return _second_order(func, inputs, v, create_graph, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); equal to v^T H since H is symmetric."""
    return _second_order(func, inputs, v, create_graph, "hvp")
