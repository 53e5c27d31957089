"""Tokenizers with the API of the Hugging Face `tokenizers` package.

from torchlet.text.tokenizers import ByteLevelBPETokenizer, Tokenizer
tok = ByteLevelBPETokenizer()
tok.train(["corpus.txt"], vocab_size=1000, min_frequency=2, special_tokens=["<|endoftext|>"])
enc = tok.encode("Hello, 世界!")      # enc.ids, enc.tokens, enc.offsets, enc.attention_mask
tok.decode(enc.ids)                  # 'Hello, 世界!'
tok.save("tok.json"); Tokenizer.from_file("tok.json")
ByteLevelBPETokenizer("vocab.json", "merges.txt")   # GPT-2's files
tok(["a", "b c"], padding=True, return_tensors="pt")  # input_ids / attention_mask tensors
"""

from ._batch import BatchEncoding, DataCollatorWithPadding
from ._bytelevel import bytes_to_unicode
from ._encoding import Encoding
from ._model import BPE
from ._trainer import BpeTrainer, train_bpe
from .implementations import ByteLevelBPETokenizer, CharBPETokenizer, CharTokenizer
from .tokenizer import AddedToken, Tokenizer

__all__ = [
    "AddedToken",
    "BPE",
    "BatchEncoding",
    "BpeTrainer",
    "ByteLevelBPETokenizer",
    "CharBPETokenizer",
    "CharTokenizer",
    "DataCollatorWithPadding",
    "Encoding",
    "Tokenizer",
    "bytes_to_unicode",
    "train_bpe",
]
