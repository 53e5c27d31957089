"""Byte-level BPE training and encoding throughput, torchlet against Hugging Face `tokenizers`.

    python benchmarks/bench_tokenizer.py [--mb 10] [--vocab-size 10000] [--json PATH]

The corpus is generated (seeded): Zipf-distributed pseudo-words of random syllables, with numbers,
punctuation, contractions and some Chinese and emoji, in lines of 5-40 words. Both libraries train
a ByteLevelBPETokenizer with the same settings on the same file (one thread: RAYON_NUM_THREADS=1)
and encode it line by line: torchlet's `encode_ids` (ids only) and `encode_batch` (Encoding objects
with tokens and offsets, from a freshly loaded tokenizer, so its word cache starts empty) against
tokenizers' `encode_batch`. Reported: seconds, MB/s, the ratio torchlet / tokenizers throughput
(no target: tokenizers is Rust), and whether both learned the same merges and ids.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
from torchlet.text.tokenizers import ByteLevelBPETokenizer, Tokenizer

try:
    import tokenizers
except ImportError:  # pragma: no cover
    tokenizers = None


def make_corpus(n_bytes, seed=0):
    rng = random.Random(seed)
    syll = [a + b for a in "bcdfghjklmnprstvwz" for b in ["a", "e", "i", "o", "u", "ou", "ea", "ai"]]
    words = ["".join(rng.choice(syll) for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))) for _ in range(30000)]
    words += [
        "it's",
        "we've",
        "they'll",
        "I'm",
        "don't",
        "1999",
        "3.14",
        "42",
        "你好",
        "世界",
        "中文文本",
        "🙂",
        "🚀",
        "café",
        "naïve",
        "--",
        "(x)",
        "U.S.A.",
    ]
    weights = [1.0 / (i + 1) for i in range(len(words))]
    rng.shuffle(words)
    lines, size = [], 0
    while size < n_bytes:
        line = " ".join(rng.choices(words, weights, k=rng.randint(5, 40)))
        line = line[0].upper() + line[1:] + rng.choice([".", ",", "!", "?", ":", "  "]) + "\n"
        lines.append(line)
        size += len(line.encode("utf-8"))
    return "".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=10.0)
    p.add_argument("--vocab-size", type=int, default=10000)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    text = make_corpus(int(args.mb * 1e6))
    mb = len(text.encode("utf-8")) / 1e6
    lines = text.splitlines(keepends=True)
    results = {"corpus_mb": round(mb, 2), "vocab_size": args.vocab_size}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        settings = dict(vocab_size=args.vocab_size, min_frequency=2, special_tokens=["<|endoftext|>"])
        ours = ByteLevelBPETokenizer()
        t = time.perf_counter()
        ours.train([path], **settings)
        results["torchlet_train_s"] = time.perf_counter() - t
        t = time.perf_counter()
        ids = [ours.encode_ids(line) for line in lines]
        results["torchlet_encode_s"] = time.perf_counter() - t
        ours.save(path + ".json")
        ours = Tokenizer.from_file(path + ".json")
        t = time.perf_counter()  # a fresh word cache; Encoding objects with tokens and offsets, as tokenizers makes
        full = ours.encode_batch(lines)
        results["torchlet_encode_full_s"] = time.perf_counter() - t
        assert [e.ids for e in full] == ids
        if tokenizers is not None:
            theirs = tokenizers.ByteLevelBPETokenizer()
            t = time.perf_counter()
            theirs.train([path], show_progress=False, **settings)
            results["tokenizers_train_s"] = time.perf_counter() - t
            t = time.perf_counter()
            their_ids = [e.ids for e in theirs.encode_batch(lines)]
            results["tokenizers_encode_s"] = time.perf_counter() - t
            merges = [tuple(m) for m in json.loads(theirs.to_str())["model"]["merges"]]
            results["same_merges"] = merges == ours.model.merges
            results["same_vocab"] = theirs.get_vocab() == ours.get_vocab()
            results["same_ids"] = their_ids == ids
    print(f"corpus {mb:.1f} MB, vocab {args.vocab_size}, {len(ours.model.merges)} merges")
    for task in ("train", "encode", "encode_full"):
        ours_s = results[f"torchlet_{task}_s"]
        line = f"{task:<11} torchlet {ours_s:7.2f} s {mb / ours_s:7.2f} MB/s"
        theirs_task = "encode" if task == "encode_full" else task
        if f"tokenizers_{theirs_task}_s" in results:
            theirs_s = results[f"tokenizers_{theirs_task}_s"]
            results[f"{task}_ratio"] = theirs_s / ours_s
            line += (
                f" | tokenizers {theirs_s:7.2f} s {mb / theirs_s:7.2f} MB/s"
                f" | torchlet/tokenizers throughput {theirs_s / ours_s:.3f}"
            )
        print(line)
    if "same_merges" in results:
        print(
            f"same merges: {results['same_merges']}, same vocab: {results['same_vocab']}, "
            f"same ids: {results['same_ids']}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
