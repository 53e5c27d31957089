"""The benchmark suite: torchlet against PyTorch on the same CPU, side by side.

    python benchmarks/run.py [--only train,infer,layers,ops,data,random,import,memory,flops]
                             [--models mlp,lenet] [--repeat 7] [--json PATH] [--png PATH]

Threads: both libraries use one thread. NumPy's BLAS reads
OMP/OPENBLAS/MKL_NUM_THREADS when it loads, which has happened by the time
this module runs, so when those are not all 1, `main` re-runs itself in a
fresh interpreter with them set (PyTorch gets torch.set_num_threads(1)).
Both libraries then run in the same process: every workload is built for
both (PyTorch's initial weights copied into torchlet's model, the same
batch), warmed up, and timed alternately `repeat` times; the median per call
and the ratio torchlet / PyTorch are reported. Each group (train, infer,
ops, ...) runs in a fresh interpreter, since one workload's heap state can
change the next one's timings; import time and peak memory are measured in
fresh subprocesses per library. Without PyTorch, absolute figures only.
"""

import argparse
import os
import platform
import subprocess
import sys

# the script that runs this suite in a fresh interpreter (the suite lives beside it, in benchmarks/)
RUN_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run.py")

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
GROUPS = ("train", "infer", "layers", "ops", "data", "random", "import", "memory", "flops")

# targets: torchlet / PyTorch at most this (flops: fraction of the peak at least)
TARGETS = {
    ("train", "softmax"): 1.0,
    ("train", "mlp"): 1.0,
    ("train", "lenet"): 1.3,
    ("train", "lenet5"): 1.3,
    ("train", "cifar"): 1.3,
    ("train", "resnet18"): 1.3,
}


def _threads_pinned():
    return all(os.environ.get(v) == "1" for v in THREAD_VARS)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not _threads_pinned():
        env = dict(os.environ, **{v: "1" for v in THREAD_VARS})
        return subprocess.call([sys.executable, RUN_SCRIPT, *argv], env=env)
    from .runner import run, run_isolated

    p = argparse.ArgumentParser(prog="torchlet bench", description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups (default all: {','.join(GROUPS)})")
    p.add_argument("--models", default=None, help="comma-separated models (default all)")
    p.add_argument("--repeat", type=int, default=7, help="timings per library (median reported)")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--png", metavar="PATH", help="write a bar chart of the ratios")
    p.add_argument("--no-torch", action="store_true", help="torchlet alone (absolute figures)")
    p.add_argument(
        "--no-isolate", action="store_true", help="run all groups in this process (default: each group in a fresh one)"
    )
    args = p.parse_args(argv)
    groups = [g for g in args.only.split(",") if g]
    bad = set(groups) - set(GROUPS)
    if bad:
        p.error(f"unknown group(s): {', '.join(sorted(bad))}")
    models = args.models.split(",") if args.models else None
    if args.no_isolate or len(groups) == 1 or groups == ["train", "flops"]:
        run(
            groups,
            models,
            args.repeat,
            args.json,
            args.png,
            use_torch=not args.no_torch,
            machine=platform.processor() or platform.machine(),
        )
    else:
        run_isolated(groups, models, args.repeat, args.json, args.png, use_torch=not args.no_torch)
    return 0
