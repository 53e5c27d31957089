"""Text datasets for language modelling.

- ``CharVocab``: a character vocabulary (sorted characters of a text -> ids);
- ``LanguageModelDataset``: contiguous blocks of ``block_size`` tokens of one long token stream,
  each item ``(x, y)`` with ``y`` the next tokens; ``seq_data_iter_random`` /
  ``seq_data_iter_sequential`` / ``SeqDataLoader`` are d2l's minibatch iterators;
- corpora: ``TinyShakespeare`` and ``TimeMachine`` (downloaded, MD5-checked) and
  ``Shakespeare`` (seven plays shipped with the package, so everything works offline).
"""

from .corpora import Shakespeare, TextCorpus, TimeMachine, TinyShakespeare, bundled_text_path, load_corpus
from .language_modeling import LanguageModelDataset, SeqDataLoader, seq_data_iter_random, seq_data_iter_sequential
from .vocab import CharVocab

__all__ = [
    "CharVocab",
    "LanguageModelDataset",
    "SeqDataLoader",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "TextCorpus",
    "TinyShakespeare",
    "TimeMachine",
    "Shakespeare",
    "bundled_text_path",
    "load_corpus",
]
