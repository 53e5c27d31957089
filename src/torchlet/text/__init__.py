"""torchlet.text: text processing for language models.

`torchlet.text.tokenizers` holds the tokenizers (byte-level BPE with the Hugging Face and
GPT-2 file formats, a word-level BPE for the lesson, a character tokenizer).
"""
from . import tokenizers

__all__ = ["tokenizers"]
