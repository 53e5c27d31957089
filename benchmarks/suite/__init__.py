"""The benchmark suite: torchlet against PyTorch on the same CPU, side by side.

    python benchmarks/run.py [--only train,infer,lm,layers,ops,data,random,import,memory,flops]
                             [--models mlp,lenet] [--threads 1,default] [--repeat 7]
                             [--json PATH] [--png PATH] [--smoke]

Threads: every group runs at one thread and at the libraries' default thread
count. NumPy's BLAS reads OMP/OPENBLAS/MKL_NUM_THREADS once, when it loads, so
each (thread setting, group) runs in a fresh interpreter started with those
variables set to 1 (and torch.set_num_threads(1)) or left unset (both
libraries' defaults). A fresh interpreter per group also keeps one workload's
heap state from changing the next one's timings. In it both libraries run in
the same process: every workload is built for both (PyTorch's initial weights
copied into torchlet's model, the same batch), warmed up, and timed
alternately `repeat` times; the median per call and the ratio torchlet /
PyTorch are reported. Import time and peak memory are measured in fresh
subprocesses per library. Without PyTorch, absolute figures only.

--smoke runs every workload a few times in this process and checks that
torchlet's outputs agree with PyTorch's; it times nothing (CI runs it).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

# the script that runs this suite in a fresh interpreter (the suite lives beside it, in benchmarks/)
RUN_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run.py")

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
GROUPS = ("train", "infer", "lm", "layers", "ops", "data", "random", "import", "memory", "flops")


def thread_env(threads, **extra):
    """The environment of a child timing at `threads` (1, or None for the defaults), plus `extra`.
    Every benchmark that pins BLAS threads for a child process takes its environment from here."""
    env = dict(os.environ, **extra)
    for v in THREAD_VARS:
        if threads is None:
            env.pop(v, None)
        else:
            env[v] = str(threads)
    return env


def _batches(groups):
    """Groups run together in one fresh interpreter: flops needs train's step times."""
    out = []
    for g in groups:
        if g == "flops" and "train" in groups:
            continue
        out.append([g, "flops"] if g == "train" and "flops" in groups else [g])
    return out


def _parse_threads(text):
    out = []
    for t in text.split(","):
        if t == "default":
            out.append(None)
        elif t == "1":
            out.append(1)
        else:
            raise argparse.ArgumentTypeError(f"--threads takes 1 and/or default, got {t!r}")
    return out


def parser():
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups (default all: {','.join(GROUPS)})")
    p.add_argument("--models", default=None, help="comma-separated models (default all)")
    p.add_argument("--threads", type=_parse_threads, default=[1, None], help="1, default, or 1,default (default)")
    p.add_argument("--repeat", type=int, default=7, help="timings per library (median reported)")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--png", metavar="PATH", help="write a bar chart of the ratios")
    p.add_argument("--no-torch", action="store_true", help="torchlet alone (absolute figures)")
    p.add_argument("--smoke", action="store_true", help="a few iterations, outputs checked against PyTorch, no timing")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one batch at one thread setting
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = parser()
    args = p.parse_args(argv)
    groups = [g for g in args.only.split(",") if g]
    bad = set(groups) - set(GROUPS)
    if bad:
        p.error(f"unknown group(s): {', '.join(sorted(bad))}")
    models = args.models.split(",") if args.models else None
    if args.smoke:
        from . import smoke

        return smoke.run(groups, models)
    if args.child:
        return _child(args, groups, models)
    return _parent(args, groups, models)


def _child(args, groups, models):
    from . import groups as g

    (threads,) = args.threads
    meta, rows = g.run(groups, models, args.repeat, threads, use_torch=not args.no_torch, emit=_print)
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "results": rows}, f)
    return 0


def _print(line):
    print(line, flush=True)


def _parent(args, groups, models):
    from . import report

    print(f"torchlet bench  groups {','.join(groups)}  threads {','.join(str(t or 'default') for t in args.threads)}")
    print("batches: softmax/mlp 256 x 1x28x28; lenet/lenet5 128 x 1x28x28; cifar/resnet18 64 x 3x32x32")
    print(report.HEADER)
    rows, metas = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            for i, batch in enumerate(_batches(groups)):
                path = os.path.join(tmp, f"{threads}-{i}.json")
                cmd = [sys.executable, RUN_SCRIPT, "--child", "--only", ",".join(batch)]
                cmd += ["--threads", str(threads or "default"), "--repeat", str(args.repeat), "--json", path]
                if models:
                    cmd += ["--models", ",".join(models)]
                if args.no_torch:
                    cmd.append("--no-torch")
                subprocess.run(cmd, env=thread_env(threads), check=True)
                with open(path) as f:
                    data = json.load(f)
                rows += data["results"]
                metas.append(data["meta"])
    meta = dict(metas[0], end=metas[-1]["end"], load_after=metas[-1]["load_after"])
    meta["threads"] = {k: v for m in metas for k, v in m["threads"].items()}
    print(f"{'':10} load avg before {meta['load_before']}, after {meta['load_after']}")
    if args.json:
        report.write_json(args.json, meta, rows)
    if args.png:
        report.write_png(args.png, rows, f"torchlet vs PyTorch on {meta['machine']['cpu']}, {meta['start']}")
    return 0
