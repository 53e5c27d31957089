"""torchlet.text: text processing for language models.

`torchlet.text.tokenizers` holds the tokenizers (byte-level BPE with the Hugging Face and
GPT-2 file formats, a word-level BPE for the lesson, a character tokenizer);
`torchlet.text.datasets` the language-modelling datasets and corpora (imported on first use).
"""

import importlib

from . import tokenizers

__all__ = ["tokenizers", "datasets"]


def __getattr__(name):
    if name == "datasets":
        return importlib.import_module(".datasets", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
