"""Ready-made tokenizers with the constructors and `train` signatures of the `tokenizers` package.

ByteLevelBPETokenizer: GPT-2's byte-level BPE (any UTF-8 text round-trips).
CharBPETokenizer: the lesson's word-level BPE: words split on whitespace (and punctuation), each word
    ends with "</w>", merges never cross words; unknown characters become "<unk>".
CharTokenizer: one id per character (the char-level language-model lessons).
"""

from . import _bytelevel
from ._components import BPEDecoder, ByteLevel, ByteLevelDecoder, Lowercase, Whitespace, WhitespaceSplit
from ._files import read_vocab_merges
from ._model import BPE
from ._trainer import BpeTrainer
from .tokenizer import Tokenizer


def _load(vocab, merges):
    if isinstance(vocab, str) and isinstance(merges, str):
        return read_vocab_merges(vocab, merges)
    return vocab, merges


class ByteLevelBPETokenizer(Tokenizer):
    """ByteLevelBPETokenizer() to train; ByteLevelBPETokenizer("vocab.json", "merges.txt") to load GPT-2 files."""

    def __init__(
        self,
        vocab=None,
        merges=None,
        add_prefix_space=False,
        lowercase=False,
        dropout=None,
        unicode_normalizer=None,
        continuing_subword_prefix=None,
        end_of_word_suffix=None,
        trim_offsets=False,
    ):
        if unicode_normalizer:
            raise NotImplementedError("unicode_normalizer is not supported")
        vocab, merges = _load(vocab, merges)
        super().__init__(
            BPE(
                vocab,
                merges,
                dropout=dropout,
                continuing_subword_prefix=continuing_subword_prefix or "",
                end_of_word_suffix=end_of_word_suffix or "",
            )
        )
        self.model.continuing_subword_prefix = continuing_subword_prefix
        self.model.end_of_word_suffix = end_of_word_suffix
        self.normalizer = Lowercase() if lowercase else None
        self.pre_tokenizer = ByteLevel(add_prefix_space=add_prefix_space)
        self.decoder = ByteLevelDecoder()
        self.post_processor = {
            "type": "ByteLevel",
            "add_prefix_space": True,
            "trim_offsets": trim_offsets,
            "use_regex": True,
        }

    def _trainer(self, vocab_size, min_frequency, show_progress, special_tokens):
        return BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=show_progress,
            special_tokens=special_tokens,
            initial_alphabet=_bytelevel.alphabet(),
            continuing_subword_prefix=self.model.continuing_subword_prefix,
            end_of_word_suffix=self.model.end_of_word_suffix,
        )

    def train(self, files, vocab_size=30000, min_frequency=2, show_progress=True, special_tokens=()):
        super().train(files, self._trainer(vocab_size, min_frequency, show_progress, special_tokens))

    def train_from_iterator(
        self, iterator, vocab_size=30000, min_frequency=2, show_progress=True, special_tokens=(), length=None
    ):
        super().train_from_iterator(iterator, self._trainer(vocab_size, min_frequency, show_progress, special_tokens))

    def save_model(self, directory, prefix=None):
        return self.model.save(directory, prefix)


class CharBPETokenizer(Tokenizer):
    """Word-level BPE as in the original paper and the lesson: "low" is learned from l o w</w>.

    Matches tokenizers' CharBPETokenizer(bert_normalizer=False); `split_on_whitespace_only=False`
    splits punctuation off words (`\\w+|[^\\w\\s]+`). The suffixed symbols ("w</w>") get ids in order
    of first appearance in the corpus; tokenizers numbers them in hash-map order, which changes from
    run to run, so its trained ids are not reproducible (a given vocab.json + merges.txt encodes the
    same in both)."""

    def __init__(
        self,
        vocab=None,
        merges=None,
        unk_token="<unk>",
        suffix="</w>",
        dropout=None,
        lowercase=False,
        unicode_normalizer=None,
        bert_normalizer=False,
        split_on_whitespace_only=False,
    ):
        if unicode_normalizer or bert_normalizer:
            raise NotImplementedError("unicode_normalizer and bert_normalizer are not supported")
        vocab, merges = _load(vocab, merges)
        super().__init__(BPE(vocab, merges, unk_token=unk_token, end_of_word_suffix=suffix, dropout=dropout))
        if vocab and unk_token is not None and unk_token in vocab:
            self.add_special_tokens([unk_token])
        self.normalizer = Lowercase() if lowercase else None
        self.pre_tokenizer = WhitespaceSplit() if split_on_whitespace_only else Whitespace()
        self.decoder = BPEDecoder(suffix)

    def _trainer(self, vocab_size, min_frequency, show_progress, special_tokens, limit_alphabet, initial_alphabet):
        return BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=show_progress,
            special_tokens=special_tokens,
            limit_alphabet=limit_alphabet,
            initial_alphabet=initial_alphabet,
            end_of_word_suffix=self.model.end_of_word_suffix,
        )

    def train(
        self,
        files,
        vocab_size=30000,
        min_frequency=2,
        special_tokens=("<unk>",),
        limit_alphabet=1000,
        initial_alphabet=(),
        suffix="</w>",
        show_progress=True,
    ):
        super().train(
            files,
            self._trainer(vocab_size, min_frequency, show_progress, special_tokens, limit_alphabet, initial_alphabet),
        )

    def train_from_iterator(
        self,
        iterator,
        vocab_size=30000,
        min_frequency=2,
        special_tokens=("<unk>",),
        limit_alphabet=1000,
        initial_alphabet=(),
        suffix="</w>",
        show_progress=True,
        length=None,
    ):
        super().train_from_iterator(
            iterator,
            self._trainer(vocab_size, min_frequency, show_progress, special_tokens, limit_alphabet, initial_alphabet),
        )

    def save_model(self, directory, prefix=None):
        return self.model.save(directory, prefix)


class CharTokenizer:
    """One id per character, ids in sorted character order (the char-level lessons' vocabulary).

    CharTokenizer.from_text(text) builds it; encode(str) -> list of ids; decode(ids) -> str."""

    def __init__(self, chars):
        self.chars = list(chars)
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("CharTokenizer: characters must be distinct")
        self.stoi = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(text)))

    def get_vocab_size(self):
        return len(self.chars)

    def get_vocab(self):
        return dict(self.stoi)

    def token_to_id(self, token):
        return self.stoi.get(token)

    def id_to_token(self, id):
        return self.chars[id] if 0 <= id < len(self.chars) else None

    def encode(self, text):
        try:
            return [self.stoi[c] for c in text]
        except KeyError as e:
            raise KeyError(f"character {e.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)
