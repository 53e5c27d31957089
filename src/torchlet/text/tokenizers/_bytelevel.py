"""GPT-2's byte-level alphabet and its pre-tokenizer.

Byte-level BPE works on the UTF-8 bytes of the text, so every string can be encoded. Each of the
256 byte values is shown as one printable character (GPT-2's `bytes_to_unicode`): the printable
Latin-1 bytes stand for themselves, the others (control bytes, space, ...) are moved to code points
256 and up, so that the space byte is 'Ġ' (U+0120) and newline is 'Ċ'.

The pre-tokenizer splits text into words before BPE, with GPT-2's pattern

    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+

Python's `re` has no \\p{L}; the classes are built here from `unicodedata` categories (L* letters,
N* numbers) and the Unicode White_Space property (not Python's `str.isspace`, which also counts
U+001C..U+001F), which is what the regex engine of the `tokenizers` package uses. Characters
assigned after Python's Unicode database version (`unicodedata.unidata_version`, 14.0 for Python
3.11) count as unassigned here and may split differently from `tokenizers`.
"""

import re
import unicodedata

# Unicode's White_Space property (PropList.txt)
_WHITE_SPACE = [
    (0x09, 0x0D),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
]


def bytes_to_unicode():
    """{byte value: printable character}, GPT-2's table."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}
# str.translate table: a Latin-1 decoded byte string -> its byte-level characters
_LATIN1_TO_BYTELEVEL = {b: c for b, c in BYTE_TO_CHAR.items()}


def alphabet():
    """The 256 byte-level characters (the initial alphabet of a byte-level BPE)."""
    return sorted(BYTE_TO_CHAR.values())


def to_bytelevel(text):
    """'hé ' -> 'hÃ©Ġ': the text's UTF-8 bytes, one byte-level character each."""
    return text.encode("utf-8").decode("latin-1").translate(_LATIN1_TO_BYTELEVEL)


def from_bytelevel(chars, errors="replace"):
    """Inverse of `to_bytelevel`. A character outside the byte alphabet stands for its own UTF-8 bytes."""
    out = bytearray()
    for c in chars:
        b = CHAR_TO_BYTE.get(c)
        if b is None:
            out += c.encode("utf-8")
        else:
            out.append(b)
    return out.decode("utf-8", errors=errors)


# no letter or number is assigned above plane 3 (planes 15-16 are private use, category Co)
_LAST_SCANNED = 0x3FFFF


def _ranges(test):
    ranges, start = [], None
    for cp in range(_LAST_SCANNED + 1):
        if test(cp):
            if start is None:
                start = cp
        elif start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, _LAST_SCANNED))
    return ranges


def _class_body(ranges):
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_PATTERN = None
# the same pattern for ASCII-only text, where the classes are small and `re` is ~3x faster
_ASCII_PATTERN = re.compile(
    r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\t\n\x0b\x0c\r A-Za-z0-9]+"
    r"|[\t\n\x0b\x0c\r ]+(?![^\t\n\x0b\x0c\r ])|[\t\n\x0b\x0c\r ]+"
)


def gpt2_pattern():
    """GPT-2's pre-tokenizer pattern compiled for Python's `re` (built once, on first use)."""
    global _PATTERN
    if _PATTERN is None:
        cat = unicodedata.category
        letters = _class_body(_ranges(lambda cp: cat(chr(cp))[0] == "L"))
        numbers = _class_body(_ranges(lambda cp: cat(chr(cp))[0] == "N"))
        space = _class_body(_WHITE_SPACE)
        _PATTERN = re.compile(
            rf"'s|'t|'re|'ve|'m|'ll|'d| ?[{letters}]+| ?[{numbers}]+| ?[^{space}{letters}{numbers}]+"
            rf"|[{space}]+(?![^{space}])|[{space}]+"
        )
    return _PATTERN


def words(text):
    """GPT-2's words of `text` (the fast path of `pre_tokenize`: no offsets)."""
    return (_ASCII_PATTERN if text.isascii() else _PATTERN or gpt2_pattern()).findall(text)


def pre_tokenize(text):
    """GPT-2's words of `text` as (word, start) pairs, start being a character offset."""
    pattern = _ASCII_PATTERN if text.isascii() else _PATTERN or gpt2_pattern()
    return [(m.group(), m.start()) for m in pattern.finditer(text)]
