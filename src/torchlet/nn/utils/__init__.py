"""torchlet.nn.utils: gradient clipping and parameter/vector conversion."""

from .clip_grad import (
    clip_grad_norm_,
    clip_grad_norm,
    clip_grad_value_,
    get_total_norm,
    clip_grads_with_norm_,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import clip_grad, convert_parameters

from ..._lazy import lazy_getattr as _lazy_getattr

# PyTorch makes these reachable after `import torch`; loaded on first use.
__getattr__ = _lazy_getattr(__name__, ("rnn", "parametrize", "parametrizations", "stateless", "prune"))
