"""grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian (torch.func).

Reverse mode is the autograd engine: the differentiated inputs become tensors autograd tracks
(a fresh leaf, or a differentiable alias when the input is itself being differentiated by an
outer transform), `autograd.grad` gives the vector-Jacobian product, with create_graph while an
outer transform or a caller's tensor needs the result to stay differentiable (so
`grad(grad(f))`, `jacfwd(jacrev(f))` compose). Forward mode is `autograd.forward_ad`.
`jacrev` vmaps the vjp over the rows of an identity, `jacfwd` vmaps the jvp over its columns,
so their products run batched (see `_vmap.py`).
"""

import functools

from .. import autograd
from .._tensor import Tensor
from ..autograd import grad_mode, forward_ad
from ._vmap import vmap, _flatten, _unflatten, _spec_str

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]

_depth = [0]  # function transforms currently running


def _check_argnums(argnums, n):
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        if not all(isinstance(a, int) for a in argnums):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    if len(set(a % n for a in nums)) != len(nums):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return tuple(a % n for a in nums)


def _track(x, fname="grad"):
    """x as a tensor autograd tracks from here (keeps an outer transform's graph)."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    with grad_mode.enable_grad():
        if x.requires_grad:
            return x.view_as(x)
        return x.detach().requires_grad_()


def _keep_graph(leaves):
    return _depth[0] > 1 or any(isinstance(x, Tensor) and x.requires_grad for x in leaves)


def _finish(x, keep):
    if isinstance(x, Tensor) and not keep:
        return x.detach()
    return x


def _materialize(grads, inputs):
    from ..ops.creation import zeros_like

    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _in_vmap():
    """Backward inside vmap runs its formulas as tensor ops (create_graph): the array-level fast
    paths of some formulas write batched values into plain buffers, which vmap cannot do."""
    from ._vmap import _sizes

    return bool(_sizes)


class _Scope:
    def __enter__(self):
        _depth[0] += 1

    def __exit__(self, *exc):
        _depth[0] -= 1


def grad_and_value(func, argnums=0, has_aux=False):
    """(gradient of func's scalar output w.r.t. args[argnums], the output[, aux])."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _Scope():
            nums = _check_argnums(argnums, len(args))
            args = list(args)
            original, tracked = [], []
            for a in nums:
                leaves, spec = _flatten(args[a])
                original += leaves
                t = [_track(x) for x in leaves]
                tracked.append(t)
                args[a] = _unflatten(t, spec)
            keep = _keep_graph(original)
            with grad_mode.enable_grad():
                out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: "
                        "(output, aux) if has_aux is True"
                    )
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                    f"got tensor with {out.dim()} dims. Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?"
                )
            flat = [x for t in tracked for x in t]
            if out.requires_grad:
                with grad_mode.enable_grad():
                    gs = autograd.grad(out, flat, create_graph=keep or _in_vmap(), allow_unused=True)
            else:
                gs = [None] * len(flat)
            gs = [_finish(g, keep) for g in _materialize(gs, flat)]
            res, at = [], 0
            for a, t in zip(nums, tracked):
                res.append(_unflatten(gs[at : at + len(t)], _flatten(args[a])[1]))
                at += len(t)
            g = res[0] if isinstance(argnums, int) else tuple(res)
            value = _finish(out, keep)
            if has_aux:
                return g, (value, _tree_map(lambda x: _finish(x, keep), aux))
            return g, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of func (which returns a scalar tensor) w.r.t. args[argnums]."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def _tree_map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([fn(x) for x in leaves], spec)


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) gives one gradient per primal."""
    with _Scope():
        leaves, spec = _flatten(primals)
        tracked = [_track(x) for x in leaves]
        keep = _keep_graph(leaves)
        with grad_mode.enable_grad():
            out = func(*_unflatten(tracked, spec))
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(
                    "vjp(f, *primals): output of function f should be a tuple: (output, aux) if has_aux is True"
                )
            out, aux = out
        out_leaves, out_spec = _flatten(out)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(
                    f"vjp(f, *primals): Expected f to be a function that has non-empty output "
                    f"and returns Tensors only, got {type(o)}"
                )

    def vjp_fn(*cotangents):
        ct = cotangents[0] if len(cotangents) == 1 and out_spec is None else cotangents
        if out_spec is not None and len(cotangents) == 1 and type(cotangents[0]) in (tuple, list):
            ct = cotangents[0]
        ct_leaves, ct_spec = _flatten(ct)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure "
                f"of outputs to the function. cotangents: {_spec_str(ct_spec)}, primal "
                f"output: {_spec_str(out_spec)}"
            )
        with _Scope():
            inner_keep = keep or _keep_graph(ct_leaves)
            pairs = [(o, c) for o, c in zip(out_leaves, ct_leaves) if o.requires_grad]
            if pairs:
                with grad_mode.enable_grad():
                    gs = autograd.grad(
                        [o for o, _ in pairs],
                        tracked,
                        [c for _, c in pairs],
                        retain_graph=True,
                        create_graph=inner_keep or _in_vmap(),
                        allow_unused=True,
                    )
            else:
                gs = [None] * len(tracked)
            gs = [_finish(g, inner_keep) for g in _materialize(gs, tracked)]
        return _unflatten(gs, spec)

    out = _tree_map(lambda x: _finish(x, keep), out)
    if has_aux:
        return out, vjp_fn, _tree_map(lambda x: _finish(x, keep), aux)
    return out, vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), its Jacobian times tangents[, aux]), by forward-mode AD."""
    if not isinstance(primals, tuple):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    if not isinstance(tangents, tuple):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same python "
            f"structure. For example, if primals is a tuple of 3 tensors, tangents also must "
            f"be. Got primals with structure {_spec_str(p_spec)} and tangents with structure "
            f"{_spec_str(t_spec)}"
        )
    for x in p_leaves + t_leaves:
        if not isinstance(x, Tensor):
            raise RuntimeError(
                f"jvp(f, primals, tangents): Expected primals and tangents to only contain Tensors, got {type(x)}"
            )
    with _Scope():
        keep = _keep_graph(p_leaves + t_leaves)
        own = forward_ad._current[0] is None
        if own:
            forward_ad.enter_dual_level()
        try:
            with grad_mode.enable_grad():
                duals = [forward_ad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
                out = func(*_unflatten(duals, p_spec))
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "jvp(f, primals, tangents): output of function f should be a tuple: "
                        "(output, aux) if has_aux is True"
                    )
                out, aux = out
            o_leaves, o_spec = _flatten(out)
            from ..ops.creation import zeros_like

            tans = []
            for o in o_leaves:
                if not isinstance(o, Tensor):
                    raise RuntimeError(
                        f"jvp(f, primals, tangents): Expected f(*primals) to return only "
                        f"tensors, got unsupported type {type(o)}"
                    )
                t = forward_ad._jvp_of(o, duals, t_leaves) if o.requires_grad else None
                tans.append(zeros_like(o) if t is None else t)
        finally:
            if own:
                forward_ad.exit_dual_level()
    outs = _unflatten([_finish(o, keep) for o in o_leaves], o_spec)
    tans = _unflatten([_finish(t, keep) for t in tans], o_spec)
    if has_aux:
        return outs, tans, _tree_map(lambda x: _finish(x, keep), aux)
    return outs, tans


def _basis(t):
    """The rows of an identity of size t.numel(), each shaped like t: (numel, *t.shape)."""
    from ..ops.creation import eye

    n = t.numel()
    return eye(n, dtype=t.dtype).reshape((n,) + tuple(t.shape))


def _select(args, nums):
    return tuple(args[a] for a in nums)


def _bind(func, args, nums, kwargs):
    def f(*diff):
        full = list(args)
        for a, d in zip(nums, diff):
            full[a] = d
        return func(*full, **kwargs)

    return f


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func w.r.t. args[argnums] by reverse mode: vjp vmapped over an identity."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        res = vjp(_bind(func, args, nums, kwargs), *_select(args, nums), has_aux=has_aux)
        out, vjp_fn = res[0], res[1]
        o_leaves, o_spec = _flatten(out)
        p_leaves = [x for a in nums for x in _flatten(args[a])[0]]
        per_output = []
        for i, o in enumerate(o_leaves):

            def row(v, i=i):
                cts = [v if j == i else _zeros(x) for j, x in enumerate(o_leaves)]
                return _flatten(vjp_fn(_unflatten(cts, o_spec)))[0]

            rows = vmap(row, chunk_size=chunk_size)(_basis(o))
            per_output.append([r.reshape(tuple(o.shape) + tuple(p.shape)) for r, p in zip(rows, p_leaves)])
        jac = _unflatten([_by_argnums(pl, args, nums, argnums) for pl in per_output], o_spec)
        return (jac, res[2]) if has_aux else jac

    return wrapper


def _zeros(x):
    from ..ops.creation import zeros_like

    return zeros_like(x)


def _by_argnums(flat, args, nums, argnums):
    """Per-input pieces regrouped as the argnums (and each argument's pytree) are."""
    res, at = [], 0
    for a in nums:
        n = len(_flatten(args[a])[0])
        res.append(_unflatten(flat[at : at + n], _flatten(args[a])[1]))
        at += n
    return res[0] if isinstance(argnums, int) else tuple(res)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func w.r.t. args[argnums] by forward mode: jvp vmapped over an identity."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        primals = _select(args, nums)
        p_leaves, p_spec = _flatten(primals)
        f = _bind(func, args, nums, kwargs)
        per_input, out, aux = [], None, None
        for k, p in enumerate(p_leaves):

            def col(v, k=k):
                tans = [v if j == k else _zeros(x) for j, x in enumerate(p_leaves)]
                r = jvp(f, primals, _unflatten(tans, p_spec), has_aux=has_aux)
                return r[1]

            cols = vmap(col, randomness=randomness)(_basis(p))
            c_leaves, o_spec = _flatten(cols)
            per_input.append(c_leaves)
        res = jvp(f, primals, tuple(_tree_map(_zeros, x) for x in primals), has_aux=has_aux)
        out = res[0]
        if has_aux:
            aux = res[2]
        o_leaves, o_spec = _flatten(out)
        jac_leaves = []
        for i, o in enumerate(o_leaves):
            pieces = []
            for k, p in enumerate(p_leaves):
                c = per_input[k][i]  # (numel(p), *o.shape)
                c = c.reshape((p.numel(),) + tuple(o.shape)).movedim(0, -1)
                pieces.append(c.reshape(tuple(o.shape) + tuple(p.shape)))
            jac_leaves.append(_by_argnums(pieces, args, nums, argnums))
        jac = _unflatten(jac_leaves, o_spec)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """The Hessian: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)
