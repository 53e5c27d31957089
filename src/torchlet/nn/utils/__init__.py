"""torchlet.nn.utils: gradient clipping and parameter/vector conversion."""
from .clip_grad import (clip_grad_norm_, clip_grad_norm, clip_grad_value_, get_total_norm,  # noqa
                        clip_grads_with_norm_)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import clip_grad, convert_parameters  # noqa: F401

from ..._lazy import lazy_getattr as _lazy_getattr  # noqa: E402

# PyTorch makes these reachable after `import torch`; loaded on first use.
__getattr__ = _lazy_getattr(__name__, ("rnn", "parametrize", "parametrizations", "stateless",
                                       "prune"))
