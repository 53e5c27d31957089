"""torchlet.func: function transforms (torch.func).

`vmap` batches by running the function once on batched arrays (see `_vmap.py` for which ops
batch and which loop); `grad`, `vjp`, `jacrev`, `hessian` are built on the autograd engine,
`jvp` / `jacfwd` on forward-mode AD (`torchlet.autograd.forward_ad`); `functional_call` and
`stack_module_state` run modules with parameters passed in.
"""

from ._functional_call import functional_call
from ._vmap import vmap
from ._transforms import grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian
from ._stack import stack_module_state

__all__ = [
    "functional_call",
    "vmap",
    "grad",
    "grad_and_value",
    "vjp",
    "jvp",
    "jacrev",
    "jacfwd",
    "hessian",
    "stack_module_state",
]
