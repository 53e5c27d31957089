"""Forward-mode AD: `dual_level`, `make_dual`, `unpack_dual` (torch.autograd.forward_ad).

A dual tensor is a primal carrying a tangent t. The tangent of any y computed from duals is
the Jacobian-vector product J t. It is obtained here from the backward formulas, by the
double-vjp identity (no second set of derivative formulas is needed):

    vjp(u) = J^T u                   (linear in u; one backward pass, with create_graph)
    J t    = d<vjp(u), t>/du         (a backward pass through that first backward)

So `make_dual(p, t)` returns a tensor that autograd tracks from p (a fresh leaf that requires
grad when p does not, else a differentiable alias of p) and records t on the current level;
`unpack_dual(y)` runs the two passes over the duals of the level. The forward computation must
run with grad mode on (it builds the graph the passes use). Differences from PyTorch: the
duals and what is computed from them require grad (`unpack_dual(y).primal` is y detached when
y's graph reaches nothing but the duals, else y itself), and a custom `autograd.Function`
needs a `backward` (its `jvp` is not used).
Nested levels are not supported (PyTorch's default allows one level too).
"""

from collections import namedtuple

from . import grad_mode

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_current = [None]  # the active level: {"duals": [(dual, tangent)], "index": n}


def enter_dual_level():
    if _current[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current[0] = {"duals": [], "ids": {}, "index": 0}
    return 0


def exit_dual_level(*, level=None):
    _current[0] = None


class dual_level:
    """Context manager: the scope in which dual tensors exist."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A tensor with value `tensor` whose forward gradient is `tangent`."""
    state = _current[0]
    if state is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first."
        )
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    if not tensor.is_floating_point() and not tensor.is_complex():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if tangent.dtype != tensor.dtype:
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
            if not tangent.is_floating_point()
            else f"Expected primal and tangent to have the same dtype, but got {tensor.dtype} and {tangent.dtype}"
        )
    with grad_mode.enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach().requires_grad_()
    state["duals"].append((dual, tangent))
    state["ids"][id(dual)] = len(state["duals"]) - 1
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of `tensor`; tangent None when it does not depend on a dual."""
    state = _current[0]
    if state is None or not state["duals"]:
        return UnpackedDualTensor(tensor, None)
    i = state["ids"].get(id(tensor))
    if i is not None and state["duals"][i][0] is tensor:
        return UnpackedDualTensor(tensor, state["duals"][i][1])
    if tensor.grad_fn is None or not (tensor.is_floating_point() or tensor.is_complex()):
        return UnpackedDualTensor(tensor, None)
    duals = [d for d, _ in state["duals"]]
    tangents = [t for _, t in state["duals"]]
    tangent = _jvp_of(tensor, duals, tangents)
    primal = tensor.detach() if _only_from(tensor, duals) else tensor
    return UnpackedDualTensor(primal, tangent)


def _only_from(y, duals):
    """Does y's graph reach no leaf but the fresh dual leaves? Then its requiring grad is only
    this module's doing, and the primal is handed out detached, as PyTorch's would be."""
    fresh = {id(d) for d in duals if d.grad_fn is None}
    if len(fresh) != len(duals):
        return False
    seen, stack = set(), [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None and id(var) not in fresh:
            return False
        stack.extend(e[0] for e in node.next_functions if e[0] is not None)
    return True


def _jvp_of(y, duals, tangents):
    """J t for y(duals), by the double-vjp identity (module docstring)."""
    from . import grad
    from ..ops.creation import zeros_like

    with grad_mode.enable_grad():
        u = zeros_like(y).requires_grad_()
        vj = grad(y, duals, u, create_graph=True, allow_unused=True)
        pairs = [(v, t) for v, t in zip(vj, tangents) if v is not None and v.requires_grad]
        if not pairs:
            return None
        out = grad([v for v, _ in pairs], u, [t for _, t in pairs], create_graph=True, allow_unused=True)[0]
    if out is None:
        return None
    return out if grad_mode.is_grad_enabled() and out.requires_grad and _outer_needs() else out.detach()


def _outer_needs():
    """Keep the tangent differentiable when a function transform is running around us."""
    from ..func import _transforms

    return _transforms._depth[0] > 0
