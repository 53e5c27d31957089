"""Model families beyond vision: ``torchlet.models.gpt`` (a GPT-2 style decoder)."""
from .gpt import GPT, GPTConfig

__all__ = ["GPT", "GPTConfig"]
