"""`Tokenizer`: added/special tokens, normalizer, pre-tokenizer, BPE model and decoder in one object,
with the methods of tokenizers' `Tokenizer` and the batch call of transformers' tokenizers.

encode(text): split out the added tokens (longest first), normalize and pre-tokenize the rest into
words, BPE each word (cached per word), collect ids, tokens and character offsets.
"""

import json
import re
from collections import Counter

from ._components import ByteLevel
from ._encoding import Encoding
from ._model import BPE, _CACHE_LIMIT
from ._batch import BatchMixin
from ._bytelevel import words
from ._trainer import BpeTrainer


class AddedToken:
    """A token matched in the raw text before pre-tokenization (special ones are skipped by decode)."""

    def __init__(self, content, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True):
        self.content, self.single_word, self.lstrip, self.rstrip = content, single_word, lstrip, rstrip
        self.normalized, self.special = normalized, special

    def __repr__(self):
        return f"AddedToken({self.content!r}, special={self.special})"


class Tokenizer(BatchMixin):
    def __init__(self, model):
        self.model = model
        self.normalizer = None
        self.pre_tokenizer = None
        self.decoder = None
        self.post_processor = None  # kept for tokenizer.json round trips (ByteLevel only changes offsets)
        self._added = {}  # content -> AddedToken
        self._added_ids = {}  # content -> id
        self._added_by_id = {}
        self._words = {}  # word -> (ids, tokens, spans)
        self._ids = {}  # word -> ids
        self._split = None

    def __setattr__(self, name, value):
        # the word caches hold results of the model, normalizer and pre-tokenizer in use
        if name in ("model", "normalizer", "pre_tokenizer") and "_words" in self.__dict__:
            self._words.clear()
            self._ids.clear()
        object.__setattr__(self, name, value)

    # ---- vocabulary: the model's, plus added tokens the model does not have
    def get_vocab(self, with_added_tokens=True):
        vocab = dict(self.model.vocab)
        if with_added_tokens:
            vocab.update(self._added_ids)
        return vocab

    def get_vocab_size(self, with_added_tokens=True):
        return len(self.get_vocab(with_added_tokens))

    def token_to_id(self, token):
        i = self._added_ids.get(token)
        return self.model.vocab.get(token) if i is None else i

    def id_to_token(self, id):
        t = self._added_by_id.get(id)
        return self.model.id_to_token.get(id) if t is None else t

    def add_special_tokens(self, tokens):
        return self._add_tokens(tokens, special=True)

    def add_tokens(self, tokens):
        return self._add_tokens(tokens, special=False)

    def _add_tokens(self, tokens, special):
        added = 0
        for t in tokens:
            tok = t if isinstance(t, AddedToken) else AddedToken(t, special=special, normalized=not special)
            if tok.content not in self._added:
                added += 1
            self._added[tok.content] = tok
            i = self.model.vocab.get(tok.content)
            if i is None and tok.content not in self._added_ids:
                i = max(max(self.model.id_to_token, default=-1), max(self._added_by_id, default=-1)) + 1
            if i is not None:
                self._added_ids[tok.content] = i
                self._added_by_id[i] = tok.content
        self._split = None
        return added

    @property
    def all_special_tokens(self):
        return [t for t, tok in self._added.items() if tok.special]

    # ---- encoding
    def _added_pattern(self):
        if self._split is None:
            if self._added:
                alts = sorted(self._added, key=len, reverse=True)
                self._split = re.compile("|".join(re.escape(t) for t in alts))
            else:
                self._split = False
        return self._split

    def _word(self, word):
        """(ids, tokens, spans) of one pre-tokenized word, cached."""
        hit = self._words.get(word)
        if hit is None:
            pre = self.pre_tokenizer
            ids = self.model.tokenize_ids(pre.transform(word) if pre is not None else word)
            id2t = self.model.id_to_token
            tokens = [id2t[i] for i in ids]
            hit = (ids, tokens, self._spans(word, tokens))
            if len(self._words) >= _CACHE_LIMIT:
                self._words.clear()
            self._words[word] = hit
        return hit

    def _spans(self, word, tokens):
        if isinstance(self.pre_tokenizer, ByteLevel):
            return self.pre_tokenizer.spans(word, tokens)
        prefix = self.model.continuing_subword_prefix or ""
        suffix = self.model.end_of_word_suffix or ""
        out, pos = [], 0
        for i, t in enumerate(tokens):
            n = 1 if t == self.model.unk_token else len(t)
            if n > 1 and prefix and i > 0 and t.startswith(prefix):
                n -= len(prefix)
            if n > 1 and suffix and t.endswith(suffix):
                n -= len(suffix)
            out.append((pos, min(pos + n, len(word))))
            pos += n
        return out

    def _segments(self, text):
        """(piece, start, is_added) over the text: added tokens and the text between them."""
        pat = self._added_pattern()
        if not pat:
            return [(text, 0, False)] if text else []
        out, pos = [], 0
        for m in pat.finditer(text):
            if m.start() > pos:
                out.append((text[pos : m.start()], pos, False))
            out.append((m.group(), m.start(), True))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], pos, False))
        return out

    def _words_of(self, piece):
        if self.normalizer is not None:
            piece = self.normalizer.normalize(piece)
        if self.pre_tokenizer is None:
            return [(piece, 0)] if piece else []
        return self.pre_tokenizer.split(piece)

    def encode(self, sequence, add_special_tokens=True):
        if not isinstance(sequence, str):
            raise TypeError(f"encode() expects a str, got {type(sequence).__name__}")
        ids, tokens, offsets, special = [], [], [], []
        added = self._added_ids
        for piece, start, is_added in self._segments(sequence):
            if is_added:
                ids.append(added[piece])
                tokens.append(piece)
                offsets.append((start, start + len(piece)))
                special.append(0)  # as tokenizers: 1 only for tokens a post-processor template adds
                continue
            for word, wstart in self._words_of(piece):
                w_ids, w_tokens, spans = self._word(word)
                ids.extend(w_ids)
                tokens.extend(w_tokens)
                base = start + wstart
                if base >= start:
                    offsets.extend((base + a, base + b) for a, b in spans)
                else:  # a space put before the text by add_prefix_space stands for the first character
                    offsets.extend(
                        (max(base + a, start), max(base + b, start + 1) if base + a < start else base + b)
                        for a, b in spans
                    )
                special.extend([0] * len(w_ids))
        return Encoding(ids, tokens, offsets, special)

    def encode_ids(self, sequence):
        """Only the ids of `encode(sequence)` (the fast path: no tokens or offsets)."""
        ids, added, cache = [], self._added_ids, self._ids
        pre, norm = self.pre_tokenizer, self.normalizer
        for piece, _, is_added in self._segments(sequence):
            if is_added:
                ids.append(added[piece])
                continue
            if norm is not None:
                piece = norm.normalize(piece)
            for word in pre.words(piece) if pre is not None else [piece] if piece else []:
                hit = cache.get(word)
                if hit is None:
                    hit = self.model.tokenize_ids(pre.transform(word) if pre is not None else word)
                    if len(cache) >= _CACHE_LIMIT:
                        cache.clear()
                    cache[word] = hit
                ids.extend(hit)
        return ids

    def encode_batch(self, inputs, add_special_tokens=True):
        return [self.encode(text, add_special_tokens) for text in inputs]

    # ---- decoding
    def decode(self, ids, skip_special_tokens=True):
        tokens = []
        for i in ids:
            t = self.id_to_token(int(i))
            if t is None:
                continue
            if skip_special_tokens and t in self._added and self._added[t].special:
                continue
            tokens.append(t)
        return self.decoder.decode(tokens) if self.decoder is not None else " ".join(tokens)

    def decode_batch(self, sequences, skip_special_tokens=True):
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    # ---- training
    def _count_words(self, iterator):
        """{model-alphabet word: count} over the sequences, split as encode() splits them."""
        counts = Counter()
        pre = self.pre_tokenizer
        fast = (
            isinstance(pre, ByteLevel)
            and not pre.add_prefix_space
            and pre.use_regex
            and self.normalizer is None
            and not self._added_pattern()
        )
        if fast:
            for seq in iterator:
                counts.update(words(seq))
        else:
            for seq in iterator:
                for piece, _, is_added in self._segments(seq):
                    if not is_added:  # an added token is never split by BPE
                        counts.update(w for w, _ in self._words_of(piece))
        if pre is None:
            return dict(counts)
        out = {}
        for word, n in counts.items():
            key = pre.transform(word)
            out[key] = out.get(key, 0) + n
        return out

    def train_from_iterator(self, iterator, trainer=None, length=None):
        """Learn the model's vocabulary and merges from an iterator of strings (or of lists of strings)."""
        trainer = trainer or BpeTrainer()

        def flat():
            for item in iterator:
                if isinstance(item, str):
                    yield item
                else:
                    yield from item

        vocab, merges = trainer.train(self._count_words(flat()))
        m = self.model
        self.model = BPE(
            vocab,
            merges,
            unk_token=m.unk_token,
            continuing_subword_prefix=m.continuing_subword_prefix,
            end_of_word_suffix=m.end_of_word_suffix,
        )
        self._added_ids, self._added_by_id, self._words, self._ids = {}, {}, {}, {}
        old = list(self._added.values())
        self._added = {}
        self._add_tokens(old, special=True)
        self.add_special_tokens(trainer.special_tokens)

    def train(self, files, trainer=None):
        """Learn from text files, read line by line (newlines kept), as tokenizers does."""
        if isinstance(files, (str, bytes)) or hasattr(files, "__fspath__"):
            files = [files]

        def lines():
            for path in files:
                with open(path, "rb") as f:  # binary: lines end at b"\n" only
                    for line in f:
                        yield line.decode("utf-8")

        Tokenizer.train_from_iterator(self, lines(), trainer)

    # ---- files
    def to_str(self, pretty=False):
        from ._files import tokenizer_to_json

        return json.dumps(tokenizer_to_json(self), ensure_ascii=False, indent=2 if pretty else None)

    def save(self, path, pretty=True):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_str(pretty))

    @staticmethod
    def from_str(json_str):
        from ._files import tokenizer_from_json

        return tokenizer_from_json(json.loads(json_str))

    @staticmethod
    def from_file(path):
        with open(path, encoding="utf-8") as f:
            return Tokenizer.from_str(f.read())

    def __repr__(self):
        return (
            f"Tokenizer(vocabulary_size={self.get_vocab_size()}, model=BPE, "
            f"pre_tokenizer={type(self.pre_tokenizer).__name__ if self.pre_tokenizer else None}, "
            f"added_tokens={list(self._added)})"
        )
