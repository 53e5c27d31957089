"""Pre-tokenizers, normalizers and decoders, each also as its `tokenizer.json` entry.

Pre-tokenizers split text into words with their character offsets; `transform` maps a word to the
alphabet the BPE model works in (bytes shown as characters for ByteLevel, the word itself else).
"""

import re

from . import _bytelevel


class ByteLevel:
    """GPT-2's split and byte-to-character map; `add_prefix_space` puts a space before the text
    (so that the first word is encoded like the others), as tokenizers does."""

    type = "ByteLevel"

    def __init__(self, add_prefix_space=False, trim_offsets=True, use_regex=True):
        self.add_prefix_space, self.trim_offsets, self.use_regex = add_prefix_space, trim_offsets, use_regex

    def split(self, text):
        shift = 0
        if self.add_prefix_space and not text.startswith(" "):
            text, shift = " " + text, -1
        if not self.use_regex:
            return [(text, shift)] if text else []
        if shift:
            return [(w, start + shift) for w, start in _bytelevel.pre_tokenize(text)]
        return _bytelevel.pre_tokenize(text)

    def words(self, text):
        if self.add_prefix_space and not text.startswith(" "):
            text = " " + text
        if not self.use_regex:
            return [text] if text else []
        return _bytelevel.words(text)

    transform = staticmethod(_bytelevel.to_bytelevel)

    def spans(self, word, tokens):
        """Character spans in `word` of byte-level tokens (a token that splits a character covers it)."""
        if word.isascii():
            out, pos = [], 0
            for t in tokens:
                out.append((pos, pos + len(t)))
                pos += len(t)
            return out
        byte_char = [i for i, ch in enumerate(word) for _ in range(len(ch.encode("utf-8")))]
        out, pos = [], 0
        for t in tokens:
            end = pos + len(t)
            out.append((byte_char[pos], byte_char[end - 1] + 1))
            pos = end
        # a leading prefix space added by split() is not in the text
        return out

    def to_json(self):
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }


class _RegexSplit:
    pattern = None

    def split(self, text):
        return [(m.group(), m.start()) for m in self.pattern.finditer(text)]

    def words(self, text):
        return self.pattern.findall(text)

    @staticmethod
    def transform(word):
        return word

    def to_json(self):
        return {"type": self.type}


class Whitespace(_RegexSplit):
    """Words and runs of punctuation: `\\w+|[^\\w\\s]+`."""

    type = "Whitespace"
    pattern = re.compile(r"\w+|[^\w\s]+")


class WhitespaceSplit(_RegexSplit):
    """Splits on whitespace only."""

    type = "WhitespaceSplit"
    pattern = re.compile(r"\S+")


def pre_tokenizer_from_json(spec):
    if spec is None:
        return None
    kind = spec.get("type")
    if kind == "ByteLevel":
        return ByteLevel(
            spec.get("add_prefix_space", False), spec.get("trim_offsets", True), spec.get("use_regex", True)
        )
    if kind == "Whitespace":
        return Whitespace()
    if kind == "WhitespaceSplit":
        return WhitespaceSplit()
    raise ValueError(f"unsupported pre_tokenizer {kind!r} (supported: ByteLevel, Whitespace, WhitespaceSplit)")


class Lowercase:
    type = "Lowercase"

    @staticmethod
    def normalize(text):
        return text.lower()

    def to_json(self):
        return {"type": "Lowercase"}


def normalizer_from_json(spec):
    if spec is None:
        return None
    if spec.get("type") == "Lowercase":
        return Lowercase()
    if spec.get("type") == "Sequence" and not spec.get("normalizers"):
        return None
    raise ValueError(f"unsupported normalizer {spec.get('type')!r} (supported: Lowercase)")


class ByteLevelDecoder:
    """Joins the tokens and turns their byte characters back into UTF-8 text (invalid bytes -> U+FFFD)."""

    @staticmethod
    def decode(tokens):
        return _bytelevel.from_bytelevel("".join(tokens))

    def to_json(self):
        return {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}


class BPEDecoder:
    """Word-level BPE: the end-of-word suffix becomes a space (none after the last token)."""

    def __init__(self, suffix="</w>"):
        self.suffix = suffix

    def decode(self, tokens):
        last = len(tokens) - 1
        return "".join(t.replace(self.suffix, "" if i == last else " ") for i, t in enumerate(tokens))

    def to_json(self):
        return {"type": "BPEDecoder", "suffix": self.suffix}


def decoder_from_json(spec):
    if spec is None:
        return None
    if spec.get("type") == "ByteLevel":
        return ByteLevelDecoder()
    if spec.get("type") == "BPEDecoder":
        return BPEDecoder(spec.get("suffix", "</w>"))
    raise ValueError(f"unsupported decoder {spec.get('type')!r} (supported: ByteLevel, BPEDecoder)")
