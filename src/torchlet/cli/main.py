"""The `torchlet` command.

    torchlet train [options]                   train a model (LeNet on the built-in Digits by default)
    torchlet train --task lm [options]         train a language model (char GPT on shipped Shakespeare)
    torchlet generate --checkpoint PATH --prompt TEXT   sample text from a language model
    torchlet evaluate --checkpoint PATH        loss, accuracy, per-class accuracy, confusion matrix
    torchlet predict --checkpoint PATH IMAGE...  top-k classes of images
    torchlet models | datasets                 what `train` knows
    torchlet run PROGRAM.py [ARGS...]          run a PyTorch program on torchlet (torchlet.compat)
    torchlet run --nproc N PROGRAM.py [ARGS...]  the same on N data-parallel ranks (mpiexec; torchrun's
                                               flags: python -m torchlet.distributed.run --help)
    torchlet train --nproc N [options]         train data-parallel on N ranks (DistributedDataParallel)
    torchlet check PROGRAM.py                  the torch names a program uses, and the missing ones
    torchlet bench [ARGS...]                   the benchmarks in benchmarks/ (source checkout)
    torchlet tokenize --train FILE... --out tok.json   train a byte-level BPE tokenizer

Bad input gives one line on stderr and exit status 2.
"""

import argparse
import os
import subprocess
import sys

from .registry import UsageError, MODELS, DATASETS


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _add_train(sub):
    p = sub.add_parser(
        "train",
        help="train a model",
        description="Train a model; every option has a default: "
        "`torchlet train` trains LeNet on the built-in Digits dataset.",
    )
    # defaults are None here so that --resume can tell what was given (see train.DEFAULTS)
    p.add_argument("--model", help="model name (see `torchlet models`; default lenet)")
    p.add_argument(
        "--dataset", help="digits, mnist, fashion-mnist, cifar10, cifar100 or an ImageFolder directory (default digits)"
    )
    p.add_argument("--data-root", help="where datasets are (default ./data)")
    p.add_argument("--download", action="store_true", default=None, help="download a missing dataset")
    p.add_argument("--epochs", type=int, help="number of epochs (default 10)")
    p.add_argument("--batch-size", type=int, help="batch size (default 64)")
    p.add_argument("--lr", type=float, help="learning rate (default 1e-3; 0.05 for sgd)")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop"], help="(default adam)")
    p.add_argument("--momentum", type=float, help="for sgd and rmsprop (default 0.9)")
    p.add_argument("--weight-decay", type=float, help="(default 0)")
    p.add_argument("--scheduler", choices=["none", "step", "cosine", "onecycle"], help="(default none)")
    p.add_argument("--val-fraction", type=float, help="share of the training set held out (default 0.1)")
    p.add_argument("--workers", type=int, help="DataLoader worker processes (default 0)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--device", help="auto, cpu, cuda or cuda:N (default auto: cuda when available)")
    p.add_argument("--logdir", help="write TensorBoard logs here")
    p.add_argument("--checkpoint-dir", help="where last.pt and best.pt go (default ./checkpoints; '' for none)")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue a run from its last.pt")
    p.add_argument(
        "--nproc", type=int, help="data-parallel ranks, started through mpiexec (default 1); --batch-size is per rank"
    )
    p.add_argument(
        "--task",
        choices=["classify", "lm"],
        help="classify images (default) or train a language "
        "model (lm: --model gpt|lstm, --dataset shakespeare|tinyshakespeare|timemachine|PATH.txt)",
    )
    lm = p.add_argument_group("language models (--task lm)")
    lm.add_argument("--tokenizer", help="char (default) or bpe:N (a byte-level BPE of N tokens trained on the text)")
    lm.add_argument("--block-size", type=int, help="context length in tokens (default 64)")
    lm.add_argument("--steps-per-epoch", type=int, help="minibatches per epoch (default 100)")
    lm.add_argument("--eval-batches", type=int, help="validation batches per epoch (default 8)")
    lm.add_argument("--n-layer", type=int, help="Transformer blocks / LSTM layers (default 2)")
    lm.add_argument("--n-head", type=int, help="attention heads (default 4)")
    lm.add_argument("--n-embd", type=int, help="model width (default 128; the LSTM's hidden size is twice it)")
    lm.add_argument("--dropout", type=float, help="(default 0)")
    lm.add_argument("--grad-clip", type=float, help="clip the gradient norm to this (default 1; 0 for none)")


def _add_eval(sub):
    p = sub.add_parser("evaluate", help="evaluate a checkpoint on its test set")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--model", help="check that the checkpoint holds this model")
    p.add_argument("--dataset", help="(default: the checkpoint's)")
    p.add_argument("--data-root")
    p.add_argument("--download", action="store_true")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--plot", metavar="PNG", help="write the confusion matrix as a PNG")
    p = sub.add_parser("predict", help="classify images with a checkpoint")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--model", help="check that the checkpoint holds this model")
    p.add_argument("--topk", type=int, default=3)
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p = sub.add_parser("generate", help="sample text from a language-model checkpoint")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--prompt", default="\n")
    p.add_argument("--max-new-tokens", type=int, default=200)
    p.add_argument("--temperature", type=float, default=0.8, help="0 for greedy decoding (default 0.8)")
    p.add_argument("--top-k", type=int)
    p.add_argument("--top-p", type=float)
    p.add_argument("--num-samples", type=int, default=1)
    p.add_argument("--seed", type=int, help="seed the sampling (default: unseeded)")


def _parser():
    parser = _Parser(prog="torchlet", description="torchlet: train, evaluate and run PyTorch programs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_train(sub)
    _add_eval(sub)
    from .tokenize import add_parser as _add_tokenize

    _add_tokenize(sub)
    sub.add_parser("models", help="list the models `train` knows")
    sub.add_parser("datasets", help="list the datasets `train` knows")
    for name, text in (
        ("run", "run a PyTorch program on torchlet"),
        ("check", "list the torch names a program uses and which torchlet lacks"),
        ("bench", "run the benchmarks in benchmarks/"),
    ):
        p = sub.add_parser(name, help=text, add_help=name != "bench")
        p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _bench_device(rest):
    """(device, the other arguments) from `torchlet bench [--device D] ...` (default cpu)."""
    for i, a in enumerate(rest):
        if a == "--device" and i + 1 < len(rest):
            return rest[i + 1], rest[:i] + rest[i + 2 :]
        if a.startswith("--device="):
            return a.split("=", 1)[1], rest[:i] + rest[i + 1 :]
    return "cpu", rest


def _bench(rest):
    """The bench_*.py scripts; with --device cuda only bench_gpu.py (torchlet and PyTorch on
    the GPU), which the CPU run leaves out."""
    device, rest = _bench_device(rest)
    if device not in ("cpu", "cuda", "auto"):
        raise UsageError(f"bad --device {device!r} for bench: cpu, cuda or auto")
    if device == "auto":
        import torchlet

        device = "cuda" if torchlet.cuda.is_available() else "cpu"
    here = os.path.dirname(os.path.abspath(__file__))
    bench_dir = os.path.normpath(os.path.join(here, "..", "..", "..", "benchmarks"))
    if not os.path.isdir(bench_dir):
        raise UsageError("benchmarks/ not found: `torchlet bench` runs from a source checkout")
    scripts = sorted(f for f in os.listdir(bench_dir) if f.startswith("bench_") and f.endswith(".py"))
    scripts = [f for f in scripts if (f == "bench_gpu.py") == (device == "cuda")]
    if not scripts:
        raise UsageError(f"no bench_*.py in {bench_dir}")
    status = 0
    for script in scripts:
        print(f"== {script}", flush=True)
        status |= subprocess.call([sys.executable, os.path.join(bench_dir, script)] + rest)
    return status


def _without_nproc(argv):
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out


def _is_lm(args):
    """--task lm, or a --resume of a language-model checkpoint."""
    if args.task is not None:
        return args.task == "lm"
    if args.resume:
        from . import checkpoint

        return checkpoint.load(args.resume)["args"].get("task") == "lm"
    return False


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    command = argv[0] if argv else None
    try:
        if command == "run" and len(argv) > 1 and argv[1].startswith(("--nproc", "--nnodes", "--standalone")):
            from ..distributed.run import main as run_main

            return run_main(argv[1:])
        if command in ("run", "check"):  # everything after the program belongs to it
            from ..compat.__main__ import main as compat_main

            if len(argv) < 2:
                raise UsageError(f"usage: torchlet {command} PROGRAM.py" + (" [ARGS...]" if command == "run" else ""))
            return compat_main((["--check"] if command == "check" else []) + argv[1:])
        if command == "bench":
            return _bench(argv[1:])
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        if args.command == "models":
            for name, (channels, size, text) in MODELS.items():
                print(f"{name:<14} {channels}x{size}x{size}  {text}")
            return 0
        if args.command == "datasets":
            for name, spec in DATASETS.items():
                print(f"{name:<14} {spec[-1]}")
            print(
                f"{'PATH':<14} an ImageFolder directory (PATH/train and PATH/test or PATH/val, or class "
                "folders directly)"
            )
            return 0
        if args.command == "tokenize":
            from .tokenize import tokenize

            return tokenize(args)
        if args.command == "train":
            if args.nproc is not None and args.nproc < 1:
                raise UsageError(f"--nproc must be at least 1, got {args.nproc}")
            if (args.nproc or 1) > 1 and "RANK" not in os.environ:
                from ..distributed.run import main as run_main

                rest = _without_nproc(argv[1:])
                return run_main(
                    ["--nproc-per-node", str(args.nproc), "--no-compat", "-m", "torchlet.cli", "train"] + rest
                )
            if _is_lm(args):
                from .train_lm import train_lm

                return train_lm(args)
            from .train import train

            return train(args)
        if args.command == "generate":
            from .generate import generate

            return generate(args)
        from .evaluate import evaluate, predict

        return (evaluate if args.command == "evaluate" else predict)(args)
    except UsageError as e:
        print(
            f"torchlet{' ' + command if command and not command.startswith('-') else ''}: error: {e}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
