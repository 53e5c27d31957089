"""gradcheck / gradgradcheck: compare analytical gradients (the engine's) with
central finite differences, in float64.

numerical   J[i, j] = (f(x + eps e_j) - f(x - eps e_j))_i / (2 eps)
analytical  J[i, :] = grad(f_i, x)  (one backward per output element)
"""

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return tuple(o for o in _as_tuple(func(*inputs)) if o is not None)


def _numerical(func, inputs, eps):
    from ..autograd.grad_mode import no_grad

    diff = [i for i, x in enumerate(inputs) if _is_diff(x)]
    with no_grad():
        outs = _outputs(func, inputs)
        jac = [[np.zeros((x._data.size, o._data.size)) for o in outs] for x in (inputs[i] for i in diff)]
        for k, i in enumerate(diff):
            if not inputs[i]._data.flags.c_contiguous:
                raise GradcheckError("gradcheck needs contiguous inputs")
            flat = inputs[i]._data.reshape(-1)
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
                flat[j] = orig - eps
                minus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
                flat[j] = orig
                for m, (p, q) in enumerate(zip(plus, minus)):
                    jac[k][m][j] = (p - q) / (2 * eps)
    return diff, jac


def _analytical(func, inputs, diff):
    from ._api import grad
    from ..ops.creation import zeros_like

    outs = _outputs(func, inputs)
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outs] for i in diff]
    for m, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o._data.size):
            g = zeros_like(o)
            g._data.reshape(-1)[r] = 1
            gs = grad(o, [inputs[i] for i in diff], g, retain_graph=True, allow_unused=True)
            for k, gk in enumerate(gs):
                if gk is not None:
                    jac[k][m][:, r] = gk._data.astype(np.float64).ravel()
    return jac


def _is_diff(x):
    return hasattr(x, "_data") and x.requires_grad


def gradcheck(
    func,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
):
    """True when analytical and numerical Jacobians agree within atol + rtol*|numerical|."""
    inputs = _as_tuple(inputs)
    for x in inputs:
        if _is_diff(x) and x.dtype.name != "float64":
            import warnings

            warnings.warn(
                "Input #0 requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                UserWarning,
                stacklevel=2,
            )
    diff, num = _numerical(func, inputs, eps)
    ana = _analytical(func, inputs, diff)
    for k in range(len(diff)):
        for m in range(len(num[k])):
            n, a = num[k][m], ana[k][m]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        f"Jacobian mismatch for output {m} with respect to input {diff[k]},\n"
                        f"numerical:{n}\nanalytical:{a}\n"
                    )
                return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
):
    """gradcheck of the vector-Jacobian product x, v -> v^T J(x) (second derivatives)."""
    from ._api import grad
    from .grad_mode import enable_grad
    from ..ops.creation import tensor

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff = [i for i, x in enumerate(inputs) if _is_diff(x)]

    def vjp(*args):
        # grad mode on even inside the numerical pass (which runs under no_grad):
        # the first derivative must be built as a graph to be differentiated again
        with enable_grad():
            xs, vs = args[:n], args[n:]
            os_ = _outputs(func, xs)
            pairs = [(o, v) for o, v in zip(os_, vs) if o.requires_grad]
            if not pairs:
                raise GradcheckError("gradgradcheck: no output of the function requires grad")
            gs = grad(
                [p[0] for p in pairs],
                [xs[i] for i in diff],
                [p[1] for p in pairs],
                create_graph=True,
                allow_unused=True,
            )
            return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
