"""Model families beyond vision: ``GPT`` (GPT-2 architecture and state_dict layout) and
``RNNLM`` (d2l's recurrent language model)."""

from .gpt import GPT, GPTConfig
from .rnn_lm import RNNLM
from .sampling import sample_next

__all__ = ["GPT", "GPTConfig", "RNNLM", "sample_next"]
