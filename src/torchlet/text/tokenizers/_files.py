"""File formats: Hugging Face `tokenizer.json` (BPE models) and GPT-2's `vocab.json` + `merges.txt`.

tokenizer.json: {"version": "1.0", "truncation", "padding", "added_tokens": [{id, content, single_word,
lstrip, rstrip, normalized, special}], "normalizer", "pre_tokenizer", "post_processor", "decoder",
"model": {"type": "BPE", ..., "vocab": {token: id}, "merges": [[left, right], ...]}}. Merges are read
in both the current form (pairs) and the older one ("left right" strings).

merges.txt: a "#version: 0.2" header line, then one "left right" merge per line in rank order.
"""

import json

from ._components import decoder_from_json, normalizer_from_json, pre_tokenizer_from_json
from ._model import BPE


def _merge_pair(m):
    if isinstance(m, str):
        left, sep, right = m.partition(" ")
        if not sep:
            raise ValueError(f"merge {m!r} is not 'left right'")
        return left, right
    if len(m) != 2:
        raise ValueError(f"merge {m!r} is not a pair")
    return tuple(m)


def tokenizer_to_json(tok):
    m = tok.model
    added = []
    for content, t in tok._added.items():
        added.append(
            {
                "id": tok.token_to_id(content),
                "content": content,
                "single_word": t.single_word,
                "lstrip": t.lstrip,
                "rstrip": t.rstrip,
                "normalized": t.normalized,
                "special": t.special,
            }
        )
    added.sort(key=lambda d: d["id"])
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": tok.normalizer.to_json() if tok.normalizer is not None else None,
        "pre_tokenizer": tok.pre_tokenizer.to_json() if tok.pre_tokenizer is not None else None,
        "post_processor": tok.post_processor,
        "decoder": tok.decoder.to_json() if tok.decoder is not None else None,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": m.unk_token,
            "continuing_subword_prefix": m.continuing_subword_prefix,
            "end_of_word_suffix": m.end_of_word_suffix,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": dict(sorted(m.vocab.items(), key=lambda kv: kv[1])),
            "merges": [list(p) for p in m.merges],
        },
    }


def tokenizer_from_json(d):
    from .tokenizer import AddedToken, Tokenizer

    model = d.get("model") or {}
    if model.get("type", "BPE") != "BPE" or "merges" not in model:
        raise ValueError(f"only BPE tokenizer.json files are supported, this one has model type {model.get('type')!r}")
    for flag in ("byte_fallback", "ignore_merges", "fuse_unk"):
        if model.get(flag):
            raise ValueError(f"tokenizer.json: BPE option {flag}=true is not supported")
    if d.get("post_processor") is not None and d["post_processor"].get("type") != "ByteLevel":
        raise ValueError(f"unsupported post_processor {d['post_processor'].get('type')!r} (supported: ByteLevel)")
    tok = Tokenizer(
        BPE(
            model["vocab"],
            [_merge_pair(m) for m in model["merges"]],
            unk_token=model.get("unk_token"),
            continuing_subword_prefix=model.get("continuing_subword_prefix"),
            end_of_word_suffix=model.get("end_of_word_suffix"),
            dropout=model.get("dropout"),
        )
    )
    tok.normalizer = normalizer_from_json(d.get("normalizer"))
    tok.pre_tokenizer = pre_tokenizer_from_json(d.get("pre_tokenizer"))
    tok.decoder = decoder_from_json(d.get("decoder"))
    tok.post_processor = d.get("post_processor")
    for a in sorted(d.get("added_tokens") or [], key=lambda a: a["id"]):
        t = AddedToken(
            a["content"],
            a.get("single_word", False),
            a.get("lstrip", False),
            a.get("rstrip", False),
            a.get("normalized", False),
            a.get("special", False),
        )
        tok._added[t.content] = t
        tok._added_ids[t.content] = a["id"]
        tok._added_by_id[a["id"]] = t.content
    return tok


def read_vocab_merges(vocab_path, merges_path):
    """GPT-2 files -> (vocab {token: id}, merges [(left, right)])."""
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    merges = []
    with open(merges_path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\r\n")
            if (n == 0 and line.startswith("#version")) or not line:
                continue
            merges.append(_merge_pair(line))
    return vocab, merges


def write_vocab_merges(model, directory, prefix=None):
    """Writes [prefix-]vocab.json and [prefix-]merges.txt into directory; returns their paths."""
    import os

    name = (prefix + "-") if prefix else ""
    vocab_path = os.path.join(directory, name + "vocab.json")
    merges_path = os.path.join(directory, name + "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(model.vocab.items(), key=lambda kv: kv[1])), f, ensure_ascii=False, separators=(",", ":"))
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for left, right in model.merges:
            f.write(f"{left} {right}\n")
    return [vocab_path, merges_path]
