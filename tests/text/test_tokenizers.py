"""torchlet.text.tokenizers against the Hugging Face `tokenizers` package (the oracle): the same
pre-tokenization, the same merges, vocabulary and ids from the same corpus and settings, the same
encodings (ids, tokens, offsets, special tokens) and decodings, and each library reading the other's
tokenizer.json and GPT-2 vocab.json/merges.txt files."""

import json
import os
import random
import unicodedata

import pytest

import torchlet
from torchlet.text.tokenizers import (
    ByteLevelBPETokenizer,
    CharBPETokenizer,
    CharTokenizer,
    DataCollatorWithPadding,
    Tokenizer,
    train_bpe,
)
from torchlet.text.tokenizers import _bytelevel

if os.environ.get("CI") == "true":
    import tokenizers as hf  # under CI a missing oracle is an error
else:
    hf = pytest.importorskip("tokenizers")

WORDS = tuple(
    (
        "the quick brown fox jumps over a lazy dog lower lowest newer newest wider widest it's we've they'll "
        "I'm don't 2024 3.14159 42 你好 世界 中文文本 日本語 한국어 🙂 🚀👍🏽 café naïve Ελληνικά русский "
        "-- (x) [y] U.S.A. e-mail @user #tag $5 100%"
    ).split(" ")
)
_rng = random.Random(0)
WORDS += tuple(
    "".join(
        _rng.choice(["ka", "to", "ri", "ne", "su", "lo", "mi", "wa", "ch", "th", "ing", "er", "Qu", "X"])
        for _ in range(_rng.randint(1, 4))
    )
    for _ in range(400)
)
SPACES = [" ", " ", " ", " ", "  ", "   ", "\t", " \t ", "\n", "\u3000", "\xa0"]
MIXED = (
    "Hello,   world!\tIt's 2024 — naïve café's 3.14 😀👍🏽 你好，世界！ 日本語のテキスト 한국어\n\n"
    "  leading and trailing  \r\n\x0b\x1c\x1f\u2028 they'll've 12345678 x²³ ½ Ⅻ ٣٤ <s> end"
)


def _corpus(n_lines, seed=0):
    rng = random.Random(seed)
    out = []
    for _ in range(n_lines):
        parts = []
        for _ in range(rng.randint(1, 25)):
            parts.append(rng.choice(WORDS))
            parts.append(rng.choice(SPACES))
        out.append("".join(parts).rstrip(" ") + "\n")
    return out


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("".join(_corpus(2500)), encoding="utf-8")  # ~150 KB
    return str(path)


@pytest.fixture(scope="module")
def pair(corpus_file):
    """(ours, theirs), trained on the same file with the same settings."""
    settings = dict(vocab_size=800, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>"])
    ours = ByteLevelBPETokenizer()
    ours.train([corpus_file], **settings)
    theirs = hf.ByteLevelBPETokenizer()
    theirs.train([corpus_file], show_progress=False, **settings)
    return ours, theirs


def _hf_merges(tok):
    return [
        tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]
    ]


# ---- pre-tokenizer
def test_pretokenizer_matches_on_mixed_text():
    hf_pre = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
    for text in [MIXED] + _corpus(200, seed=1):
        ours = [(_bytelevel.to_bytelevel(w), (s, s + len(w))) for w, s in _bytelevel.pre_tokenize(text)]
        assert ours == hf_pre.pre_tokenize_str(text), text


def test_pretokenizer_matches_on_every_bmp_character():
    """Each assigned BMP character between letters, digits, spaces and itself is split the same way
    (characters newer than Python's Unicode database are left out: `re` knows nothing of them)."""
    hf_pre = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
    cps = [cp for cp in range(0x10000) if unicodedata.category(chr(cp)) not in ("Cn", "Cs")]
    for k in range(0, len(cps), 4000):
        text = "".join(f"a{chr(cp)}1{chr(cp)} {chr(cp)}{chr(cp)}\t" for cp in cps[k : k + 4000])
        assert [_bytelevel.to_bytelevel(w) for w in _bytelevel.words(text)] == [
            w for w, _ in hf_pre.pre_tokenize_str(text)
        ]


def test_byte_alphabet_is_gpt2s():
    assert sorted(hf.pre_tokenizers.ByteLevel.alphabet()) == _bytelevel.alphabet()
    assert _bytelevel.BYTE_TO_CHAR[ord(" ")] == "Ġ" and _bytelevel.BYTE_TO_CHAR[ord("\n")] == "Ċ"


# ---- training
def test_train_same_merges_and_vocab(pair):
    ours, theirs = pair
    assert ours.get_vocab() == theirs.get_vocab()
    assert ours.model.merges == _hf_merges(theirs)
    assert ours.get_vocab_size() == theirs.get_vocab_size() == 800


@pytest.mark.parametrize(
    "vocab_size,min_frequency,special", [(300, 1, []), (1500, 3, ["<|endoftext|>"]), (260, 2, ["a", "<unk>"])]
)
def test_train_from_iterator_settings(vocab_size, min_frequency, special):
    lines = _corpus(800, seed=vocab_size)
    ours = ByteLevelBPETokenizer()
    ours.train_from_iterator(lines, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special)
    theirs = hf.ByteLevelBPETokenizer()
    theirs.train_from_iterator(
        lines, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special, show_progress=False
    )
    assert ours.get_vocab() == theirs.get_vocab()
    assert ours.model.merges == _hf_merges(theirs)


def test_ties_are_broken_by_ids_not_strings():
    """After ('a','z') -> 'az', the pairs ('az','q') and ('b','c') both occur twice. tokenizers takes the
    pair with the smaller ids: 'b' (an alphabet id) < 'az' (a new id), although 'az' < 'b' as strings."""
    seqs = ["az"] * 5 + ["azq"] * 2 + ["bc"] * 2
    ours = ByteLevelBPETokenizer()
    ours.train_from_iterator(seqs, vocab_size=258, min_frequency=1)
    theirs = hf.ByteLevelBPETokenizer()
    theirs.train_from_iterator(seqs, vocab_size=258, min_frequency=1, show_progress=False)
    assert _hf_merges(theirs) == [("a", "z"), ("b", "c")]
    assert ours.model.merges == _hf_merges(theirs)


def test_min_frequency_stops_training():
    ours = ByteLevelBPETokenizer()
    ours.train_from_iterator(["ab ab ab cd cd"], vocab_size=1000, min_frequency=3)
    theirs = hf.ByteLevelBPETokenizer()
    theirs.train_from_iterator(["ab ab ab cd cd"], vocab_size=1000, min_frequency=3, show_progress=False)
    assert ours.model.merges == _hf_merges(theirs)
    assert ours.get_vocab() == theirs.get_vocab()


def test_train_bpe_lesson_words():
    """The lesson's words as symbol tuples: the first merge is a most frequent pair (9 times)."""
    words = {
        ("l", "o", "w", "</w>"): 5,
        ("l", "o", "w", "e", "r", "</w>"): 2,
        ("n", "e", "w", "e", "s", "t", "</w>"): 6,
        ("w", "i", "d", "e", "s", "t", "</w>"): 3,
    }
    vocab, merges = train_bpe(words, vocab_size=11 + 3, min_frequency=2)
    assert merges == [("e", "s"), ("t", "</w>"), ("es", "t</w>")]
    assert vocab["est</w>"] == 13


# ---- encoding and decoding
def test_encode_matches(pair):
    ours, theirs = pair
    for text in [MIXED, "", " ", "<s>hello</s><pad>", "unseen ẞ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \x00\x01 x"] + _corpus(100, seed=7):
        a, b = ours.encode(text), theirs.encode(text)
        assert a.ids == b.ids, text
        assert a.tokens == b.tokens
        assert a.offsets == b.offsets
        assert a.attention_mask == b.attention_mask
        assert a.special_tokens_mask == b.special_tokens_mask
        assert ours.encode_ids(text) == b.ids


def test_encode_batch_and_decode(pair):
    ours, theirs = pair
    texts = [MIXED, "<s> a </s>", "🙂🙂🙂"]
    assert [e.ids for e in ours.encode_batch(texts)] == [e.ids for e in theirs.encode_batch(texts)]
    for text in texts:
        ids = theirs.encode(text).ids
        assert ours.decode(ids) == theirs.decode(ids)
        assert ours.decode(ids, skip_special_tokens=False) == theirs.decode(ids, skip_special_tokens=False)
    partial = theirs.encode("你").ids[:1]  # half a character decodes to U+FFFD in both
    assert ours.decode(partial) == theirs.decode(partial)


def test_round_trip_any_text(pair):
    ours, _ = pair
    rng = random.Random(3)
    pool = [chr(c) for c in list(range(0, 0x250)) + list(range(0x4E00, 0x4E80)) + list(range(0x1F600, 0x1F650))]
    for _ in range(200):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert ours.decode(ours.encode(text).ids, skip_special_tokens=False) == text
    assert ours.decode(ours.encode(MIXED).ids) == MIXED.replace("<s>", "")


def test_vocab_lookups(pair):
    ours, theirs = pair
    assert ours.token_to_id("<pad>") == theirs.token_to_id("<pad>") == 1
    assert ours.id_to_token(300) == theirs.id_to_token(300)
    assert ours.token_to_id("not a token") is None and theirs.token_to_id("not a token") is None


# ---- files, both ways
def test_tokenizer_json_both_ways(pair, tmp_path):
    ours, theirs = pair
    ours.save(str(tmp_path / "ours.json"))
    theirs.save(str(tmp_path / "theirs.json"))
    hf_loads_ours = hf.Tokenizer.from_file(str(tmp_path / "ours.json"))
    ours_loads_theirs = Tokenizer.from_file(str(tmp_path / "theirs.json"))
    ours_loads_ours = Tokenizer.from_file(str(tmp_path / "ours.json"))
    for text in [MIXED, "<s>x</s>"] + _corpus(20, seed=9):
        want = theirs.encode(text)
        for tok in (hf_loads_ours, ours_loads_theirs, ours_loads_ours):
            got = tok.encode(text)
            assert got.ids == want.ids and got.tokens == want.tokens
        assert ours_loads_theirs.decode(want.ids) == theirs.decode(want.ids)
    # the same file content, key for key, except formatting
    assert json.loads(ours.to_str()) == json.loads(theirs.to_str())


def test_vocab_merges_files_both_ways(pair, tmp_path):
    ours, theirs = pair
    (tmp_path / "o").mkdir()
    (tmp_path / "t").mkdir()
    ours_files = ours.save_model(str(tmp_path / "o"))
    theirs_files = theirs.save_model(str(tmp_path / "t"))
    assert [os.path.basename(p) for p in ours_files] == ["vocab.json", "merges.txt"]
    assert open(ours_files[1], encoding="utf-8").read() == open(theirs_files[1], encoding="utf-8").read()
    hf_loads_ours = hf.ByteLevelBPETokenizer(*ours_files)
    ours_loads_theirs = ByteLevelBPETokenizer(*theirs_files)
    for text in [MIXED.replace("<s>", "")] + _corpus(20, seed=11):
        want = theirs.encode(text).ids
        assert hf_loads_ours.encode(text).ids == want
        assert ours_loads_theirs.encode(text).ids == want


def test_unsupported_tokenizer_json_is_refused(tmp_path):
    wp = hf.Tokenizer(hf.models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    wp.save(str(tmp_path / "wp.json"))
    with pytest.raises(ValueError, match="only BPE"):
        Tokenizer.from_file(str(tmp_path / "wp.json"))


# ---- word-level (lesson) BPE
def _check_char_bpe_models_agree(ours, theirs, texts, tmp_path):
    """Each library loads the other's vocab.json/merges.txt and encodes/decodes as the other does."""
    (tmp_path / "o").mkdir()
    (tmp_path / "t").mkdir()
    ours_files = ours.save_model(str(tmp_path / "o"))
    theirs_files = theirs.save_model(str(tmp_path / "t"))
    split = isinstance(ours.pre_tokenizer, type(CharBPETokenizer(split_on_whitespace_only=True).pre_tokenizer))
    hf_loads_ours = hf.CharBPETokenizer(*ours_files, bert_normalizer=False, split_on_whitespace_only=True)
    ours_loads_theirs = CharBPETokenizer(*theirs_files, split_on_whitespace_only=split)
    if not split:
        hf_loads_ours.pre_tokenizer = hf.pre_tokenizers.Whitespace()
    for text in texts:
        for a, b in ((ours, hf_loads_ours), (ours_loads_theirs, theirs)):
            ea, eb = a.encode(text), b.encode(text)
            assert (ea.ids, ea.tokens, ea.offsets) == (eb.ids, eb.tokens, eb.offsets), text
            assert a.decode(ea.ids) == b.decode(eb.ids)


def test_char_bpe_agrees_with_tokenizers(tmp_path):
    """Word-level BPE ("</w>" fused to a word's last character). tokenizers gives those suffixed symbols
    ids in the iteration order of a hash map, which changes from run to run, so its trained ids (and
    the merges that ties between them decide) are not reproducible; torchlet numbers them in order of
    first appearance in the corpus. What both must agree on: the alphabet, and the tokenization that
    a given vocabulary and merge list define."""
    lines = ["low " * 5 + "lower " * 2 + "newest " * 6 + "widest " * 3] + _corpus(300, seed=5)
    ours = CharBPETokenizer(split_on_whitespace_only=True)
    ours.train_from_iterator(lines, vocab_size=400, min_frequency=2)
    theirs = hf.CharBPETokenizer(bert_normalizer=False, split_on_whitespace_only=True)
    theirs.train_from_iterator(lines, vocab_size=400, min_frequency=2, show_progress=False)
    n_alphabet = len(ours.model.vocab) - len(ours.model.merges)
    alphabet = lambda vocab: {t for t, i in vocab.items() if i < n_alphabet}
    assert alphabet(ours.get_vocab()) == alphabet(theirs.get_vocab())
    assert ours.get_vocab_size() == theirs.get_vocab_size() == 400
    _check_char_bpe_models_agree(
        ours, theirs, ["lowest newer wider", "the quick brown fox", "ẞ unseen"] + lines[:30], tmp_path
    )


def test_char_bpe_whitespace_pretokenizer_agrees_with_tokenizers(tmp_path):
    lines = _corpus(300, seed=6)
    ours = CharBPETokenizer()
    ours.train_from_iterator(lines, vocab_size=300, min_frequency=2, special_tokens=["<unk>"])
    theirs = hf.CharBPETokenizer(bert_normalizer=False)
    theirs.pre_tokenizer = hf.pre_tokenizers.Whitespace()
    theirs.train_from_iterator(lines, vocab_size=300, min_frequency=2, show_progress=False)
    _check_char_bpe_models_agree(ours, theirs, lines[:30] + ["it's (x) U.S.A. 你好!"], tmp_path)


def test_char_tokenizer():
    tok = CharTokenizer.from_text("hello world")
    assert tok.get_vocab_size() == 8
    assert tok.decode(tok.encode("hold")) == "hold"
    with pytest.raises(KeyError):
        tok.encode("z")


# ---- the batch API
def test_call_pads_and_truncates_like_tokenizers(pair):
    ours, theirs = pair
    texts = [MIXED, "short", "", "it's a medium length text, 你好"]
    batch = ours(texts, padding=True, truncation=True, max_length=12, return_tensors="pt")
    import tokenizers as _hf  # a fresh copy with padding and truncation switched on

    ref = _hf.Tokenizer.from_str(theirs.to_str())
    ref.enable_truncation(max_length=12)
    ref.enable_padding(pad_id=theirs.token_to_id("<pad>"), pad_token="<pad>")
    want = ref.encode_batch(texts)
    assert isinstance(batch["input_ids"], torchlet.Tensor) and batch["input_ids"].dtype == torchlet.int64
    assert batch.input_ids.tolist() == [e.ids for e in want]
    assert batch["attention_mask"].tolist() == [e.attention_mask for e in want]
    assert ours.batch_decode(batch["input_ids"], skip_special_tokens=True) == [theirs.decode(e.ids) for e in want]


def test_call_single_text_and_errors(pair):
    ours, _ = pair
    one = ours("hello world")
    assert one["input_ids"] == ours.encode("hello world").ids and one["attention_mask"] == [1] * len(one["input_ids"])
    assert ours("hello", return_tensors="pt")["input_ids"].shape == torchlet.Size([1, len(ours.encode("hello").ids)])
    with pytest.raises(ValueError, match="padding"):
        ours(["a", "a b c"], return_tensors="pt")
    bare = ByteLevelBPETokenizer()
    bare.train_from_iterator(["a b c"], vocab_size=260)
    with pytest.raises(ValueError, match="padding token"):
        bare(["a", "a b c"], padding=True)
    left = ours(["a", "a b c"], padding="max_length", max_length=6)
    assert left["input_ids"][0][1:] == [1] * 5 and left["attention_mask"][0] == [1, 0, 0, 0, 0, 0]


def test_collator_with_dataloader(pair):
    from torchlet.utils.data import DataLoader

    ours, theirs = pair
    texts = ["one", "two three four", "five six", "seven"]
    features = [{"input_ids": ours.encode(t).ids, "label": i} for i, t in enumerate(texts)]
    loader = DataLoader(features, batch_size=2, collate_fn=DataCollatorWithPadding(ours))
    batches = list(loader)
    ref = hf.Tokenizer.from_str(theirs.to_str())
    ref.enable_padding(pad_id=1, pad_token="<pad>")
    for batch, chunk in zip(batches, [texts[:2], texts[2:]]):
        want = ref.encode_batch(chunk)
        assert batch["input_ids"].tolist() == [e.ids for e in want]
        assert batch["attention_mask"].tolist() == [e.attention_mask for e in want]
    assert batches[1]["labels"].tolist() == [2, 3]


# ---- the command
def test_tokenize_command(corpus_file, tmp_path, capsys):
    from torchlet.cli.main import main

    out = tmp_path / "tok.json"
    assert main(["tokenize", "--train", corpus_file, "--vocab-size", "500", "--out", str(out)]) == 0
    assert "MB/s" in capsys.readouterr().out
    theirs = hf.ByteLevelBPETokenizer()
    theirs.train([corpus_file], vocab_size=500, min_frequency=2, special_tokens=["<|endoftext|>"], show_progress=False)
    assert hf.Tokenizer.from_file(str(out)).encode(MIXED).ids == theirs.encode(MIXED).ids
    assert main(["tokenize", "--train", str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("options", [dict(add_prefix_space=True), dict(lowercase=True)])
def test_byte_level_options_match(options):
    lines = _corpus(400, seed=13)
    ours = ByteLevelBPETokenizer(**options)
    ours.train_from_iterator(lines, vocab_size=500, min_frequency=2, special_tokens=["<s>"])
    theirs = hf.ByteLevelBPETokenizer(**options)
    theirs.train_from_iterator(lines, vocab_size=500, min_frequency=2, special_tokens=["<s>"], show_progress=False)
    assert ours.model.merges == _hf_merges(theirs)
    for text in [MIXED, "Hello <s>World", "x"]:
        a, b = ours.encode(text), theirs.encode(text)
        assert (a.ids, a.tokens, a.offsets) == (b.ids, b.tokens, b.offsets), text
    reloaded = Tokenizer.from_str(ours.to_str())
    assert reloaded.encode(MIXED).ids == theirs.encode(MIXED).ids
    assert hf.Tokenizer.from_str(ours.to_str()).encode(MIXED).ids == theirs.encode(MIXED).ids


def test_tokenizer_json_with_old_string_merges(pair):
    """Files written by older tokenizers versions (and GPT-2's on the Hub) spell merges as "left right"."""
    ours, theirs = pair
    d = json.loads(theirs.to_str())
    d["model"]["merges"] = [" ".join(m) for m in d["model"]["merges"]]
    old = json.dumps(d)
    assert (
        Tokenizer.from_str(old).encode(MIXED).ids
        == hf.Tokenizer.from_str(old).encode(MIXED).ids
        == theirs.encode(MIXED).ids
    )
