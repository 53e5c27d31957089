"""`torchlet tokenize`: train a tokenizer on text files and save it, or encode text with one.

torchlet tokenize --train corpus.txt [more.txt ...] --vocab-size 1000 --out tok.json
torchlet tokenize --tokenizer tok.json --encode "some text"     (prints the tokens and ids)
"""

import os
import time

from .registry import UsageError


def add_parser(sub):
    p = sub.add_parser(
        "tokenize",
        help="train a byte-level BPE tokenizer (or encode text with one)",
        description="Train a byte-level BPE tokenizer on text files and save it as tokenizer.json "
        "(the Hugging Face format), or encode text with a saved one.",
    )
    p.add_argument("--train", nargs="+", metavar="FILE", help="UTF-8 text files to learn from")
    p.add_argument("--vocab-size", type=int, default=1000, help="(default 1000)")
    p.add_argument("--min-frequency", type=int, default=2, help="(default 2)")
    p.add_argument(
        "--special-tokens",
        nargs="*",
        default=["<|endoftext|>"],
        help="added first, with the first ids (default <|endoftext|>)",
    )
    p.add_argument("--out", default="tokenizer.json", help="where to write tokenizer.json (default ./tokenizer.json)")
    p.add_argument("--vocab-merges", metavar="DIR", help="also write GPT-2's vocab.json and merges.txt here")
    p.add_argument("--tokenizer", metavar="JSON", help="a saved tokenizer.json, for --encode")
    p.add_argument("--encode", metavar="TEXT", help="print the tokens and ids of TEXT")


def tokenize(args):
    from ..text.tokenizers import ByteLevelBPETokenizer, Tokenizer

    if not args.train and not args.encode:
        raise UsageError("give --train FILE... (to train) or --tokenizer JSON --encode TEXT")
    if args.train:
        for path in args.train:
            if not os.path.isfile(path):
                raise UsageError(f"no such file: {path}")
        if args.vocab_size < 256 + len(args.special_tokens):
            raise UsageError(
                f"--vocab-size must be at least {256 + len(args.special_tokens)} (256 bytes + the special tokens)"
            )
        tok = ByteLevelBPETokenizer()
        size = sum(os.path.getsize(p) for p in args.train)
        start = time.perf_counter()
        try:
            tok.train(
                args.train,
                vocab_size=args.vocab_size,
                min_frequency=args.min_frequency,
                special_tokens=args.special_tokens,
            )
        except UnicodeDecodeError as e:
            raise UsageError(f"not UTF-8 text: {e}") from None
        seconds = time.perf_counter() - start
        tok.save(args.out)
        print(
            f"trained on {size / 1e6:.2f} MB in {seconds:.2f} s ({size / 1e6 / max(seconds, 1e-9):.2f} MB/s): "
            f"{tok.get_vocab_size()} tokens, {len(tok.model.merges)} merges -> {args.out}"
        )
        if args.vocab_merges:
            os.makedirs(args.vocab_merges, exist_ok=True)
            for path in tok.save_model(args.vocab_merges):
                print(f"wrote {path}")
    else:
        path = args.tokenizer or args.out
        if not os.path.isfile(path):
            raise UsageError(f"no such tokenizer file: {path}")
        try:
            tok = Tokenizer.from_file(path)
        except (ValueError, KeyError) as e:
            raise UsageError(f"{path}: {e}") from None
    if args.encode is not None:
        enc = tok.encode(args.encode)
        print("tokens:", enc.tokens)
        print("ids:", enc.ids)
    return 0
