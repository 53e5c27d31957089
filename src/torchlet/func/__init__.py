"""torchlet.func: the parts of torch.func that are implemented here.

Only `functional_call` so far; the function transforms (grad, vjp, jacrev, jacfwd,
hessian, vmap) are not implemented and raise AttributeError as missing names.
"""
from ._functional_call import functional_call  # noqa: F401

__all__ = ["functional_call"]
