"""The benchmark suite: torchlet against PyTorch on the same CPU, side by side.

    python benchmarks/run.py [--only train,infer,lm,layers,ops,data,random,import,memory,flops]
                             [--models mlp,lenet] [--threads 1,default] [--rounds 3] [--repeat 3]
                             [--same-process] [--json PATH] [--png PATH] [--smoke]

Threads: every group runs at one thread and at the libraries' default thread
count. NumPy's BLAS reads OMP/OPENBLAS/MKL_NUM_THREADS once, when it loads, so
each (thread setting, group) runs in a fresh interpreter started with those
variables set to 1 (and torch.set_num_threads(1)) or left unset (both
libraries' defaults). A fresh interpreter per group also keeps one workload's
heap state from changing the next one's timings.

Alternating processes: each timed group runs `rounds` times per library, each
time in a fresh interpreter that times one library only, torchlet's and
PyTorch's interpreters taking turns (torchlet first in even rounds, PyTorch
first in odd ones). Both libraries are loaded in each (every workload is built
for both: PyTorch's initial weights copied into torchlet's model, the same
batch), warmed up, and the one library timed `repeat` times. A library's
figure is the median of all its timings over its interpreters; the ratio is
torchlet / PyTorch. One library's idle thread pools never share the cores with
the other's timed calls, and a process that starts on a slow heap or a busy
machine is one of several. --same-process times both libraries alternately in
one interpreter per group instead (faster, noisier at the default thread count).
Import time and peak memory are measured in fresh subprocesses per library.
Without PyTorch, absolute figures only.

--smoke runs every workload a few times in this process and checks that
torchlet's outputs agree with PyTorch's; it times nothing (CI runs it).
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

# the script that runs this suite in a fresh interpreter (the suite lives beside it, in benchmarks/)
RUN_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run.py")

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
LIBS = ("torchlet", "torch")
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
    p.add_argument("--rounds", type=int, default=3, help="interpreters per library and timed group (default 3)")
    p.add_argument("--repeat", type=int, default=3, help="timings per library and interpreter (default 3)")
    p.add_argument("--same-process", action="store_true", help="time both libraries in one interpreter per group")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--png", metavar="PATH", help="write a bar chart of the ratios")
    p.add_argument("--no-torch", action="store_true", help="torchlet alone (absolute figures)")
    p.add_argument("--smoke", action="store_true", help="a few iterations, outputs checked against PyTorch, no timing")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one batch at one thread setting
    p.add_argument("--time", choices=LIBS, help=argparse.SUPPRESS)  # the child times this library only
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
    timed = [args.time] if args.time else None
    emit = _print if timed is None else _quiet  # the parent prints the merged rows
    meta, rows = g.run(groups, models, args.repeat, threads, use_torch=not args.no_torch, emit=emit, timed=timed)
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "results": rows}, f)
    return 0


def _print(line):
    print(line, flush=True)


def _quiet(line):
    pass


# groups whose own measurements start a fresh process per library: never split by library
_FRESH = {"import", "memory"}


def _runs(batch, rounds, isolate):
    """The libraries each interpreter of a batch times, in launch order: [None] (both, in one
    interpreter), or `rounds` alternating pairs, torchlet first in even rounds."""
    if not isolate or _FRESH & set(batch) or rounds < 1:
        return [None]
    out = []
    for i in range(rounds):
        out += list(LIBS if i % 2 == 0 else reversed(LIBS))
    return out


def _parent(args, groups, models):
    from . import report, runner

    print(f"torchlet bench  groups {','.join(groups)}  threads {','.join(str(t or 'default') for t in args.threads)}")
    print("batches: softmax/mlp 256 x 1x28x28; lenet/lenet5 128 x 1x28x28; cifar/resnet18 64 x 3x32x32")
    print(report.HEADER)
    isolate = not (args.same_process or args.no_torch or importlib.util.find_spec("torch") is None)
    rows, metas, runs = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            for i, batch in enumerate(_batches(groups)):
                batch_rows = []
                for j, lib in enumerate(_runs(batch, args.rounds, isolate)):
                    path = os.path.join(tmp, f"{threads}-{i}-{j}.json")
                    cmd = [sys.executable, RUN_SCRIPT, "--child", "--only", ",".join(batch)]
                    cmd += ["--threads", str(threads or "default"), "--repeat", str(args.repeat), "--json", path]
                    if models:
                        cmd += ["--models", ",".join(models)]
                    if args.no_torch:
                        cmd.append("--no-torch")
                    if lib:
                        cmd += ["--time", lib]
                    subprocess.run(cmd, env=thread_env(threads), check=True)
                    with open(path) as f:
                        data = json.load(f)
                    batch_rows += data["results"]
                    metas.append(data["meta"])
                    m = data["meta"]
                    runs.append(
                        {"pid": m["pid"], "timed": m["timed"], "groups": batch, "threads": threads or "default"}
                    )
                if lib:
                    batch_rows = runner.merge(batch_rows)
                    for r in batch_rows:
                        print(report.row_text(r), flush=True)
                rows += batch_rows
    meta = dict(metas[0], end=metas[-1]["end"], load_after=metas[-1]["load_after"])
    meta["threads"] = {k: v for m in metas for k, v in m["threads"].items()}
    meta["processes"] = runs  # in launch order
    del meta["timed"], meta["pid"]
    print(f"{'':10} load avg before {meta['load_before']}, after {meta['load_after']}")
    if args.json:
        report.write_json(args.json, meta, rows)
    if args.png:
        report.write_png(args.png, rows, f"torchlet vs PyTorch on {meta['machine']['cpu']}, {meta['start']}")
    return 0
