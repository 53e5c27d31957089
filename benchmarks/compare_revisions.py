"""torchlet against itself: the same workloads on two git revisions, like for like.

    python benchmarks/compare_revisions.py [OLD] [NEW] [--rounds 7] [--only add_2x2,mlp_step]
                                           [--threads 1|default] [--json PATH] [--smoke] [--list]

OLD defaults to the commit before issue 13's work began (the parent of the first op-table
commit, "One op table: ..."), NEW to HEAD; "." names the working tree as it is. Each revision
is checked out into a temporary `git worktree` (removed afterwards), and this file's own fixed
workload set, written against the public API both trees share, runs against each tree's src/
in fresh interpreters that alternate OLD, NEW, OLD, NEW ... `rounds` times (so a change of
machine load hits both). Each process times every workload (warm-up, then enough calls for
~0.1 s a timing, best of three); the report is each workload's median over the rounds and
the ratio new/old (below 1: NEW is faster). --smoke runs one round of one call each, to
check that the workloads run on both trees; it times nothing worth reading.

Run it on a quiet machine (flock /tmp/timing.lock on a shared one).
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST_OP_TABLE_COMMIT = "^One op table"  # the subject line issue 13's work began with

# name -> (kind, size): every workload builds its data with NumPy from a fixed seed.
WORKLOADS = {
    "add_2x2": ("op", "add", 2),
    "mul_2x2": ("op", "mul", 2),
    "matmul_2x2": ("op", "matmul", 2),
    "sum_2x2": ("op", "sum", 2),
    "relu_2x2": ("op", "relu", 2),
    "add_256": ("op", "add", 256),
    "mul_256": ("op", "mul", 256),
    "matmul_256": ("op", "matmul", 256),
    "sum_256": ("op", "sum", 256),
    "relu_256": ("op", "relu", 256),
    "add_backward_2x2": ("op_backward", "add", 2),
    "matmul_backward_2x2": ("op_backward", "matmul", 2),
    "add_backward_256": ("op_backward", "add", 256),
    "matmul_backward_256": ("op_backward", "matmul", 256),
    "softmax_step": ("step", "softmax", 256),
    "mlp_step": ("step", "mlp", 256),
    "lenet_step": ("step", "lenet", 128),
}


# ----- the child: one tree, every workload once --------------------------------------
def _op_call(torch, name, size, backward):
    import numpy as np

    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.standard_normal((size, size), dtype=np.float32)).requires_grad_(backward)
    b = torch.from_numpy(rng.standard_normal((size, size), dtype=np.float32)).requires_grad_(backward)
    fn = {
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "matmul": lambda: a @ b,
        "sum": lambda: a.sum(),
        "relu": lambda: a.relu(),
    }[name]
    if not backward:
        return fn

    def step():
        a.grad = b.grad = None
        fn().sum().backward()

    return step


def _model(torch, name):
    nn = torch.nn
    if name == "softmax":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(  # LeNet-5 on 1x28x28
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def _step_call(torch, name, batch):
    import numpy as np

    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((batch, 1, 28, 28), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, batch))
    torch.manual_seed(0)
    model = _model(torch, name)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _call(torch, workload):
    kind, name, size = WORKLOADS[workload]
    if kind == "step":
        return _step_call(torch, name, size)
    return _op_call(torch, name, size, kind == "op_backward")


def _seconds_per_call(call, target=0.1):
    import timeit

    for _ in range(3):
        call()
    n = 1
    while True:  # calls for one timing of about `target` seconds
        t = timeit.timeit(call, number=n)
        if t >= target / 4 or n >= 1 << 20:
            n = max(1, round(n * target / max(t, 1e-9)))
            break
        n *= 4
    return min(timeit.timeit(call, number=n) / n for _ in range(3))


def child(src, workloads, smoke):
    """Per-call seconds of each workload on the torchlet found in `src` (which must win)."""
    import torchlet as torch

    where = os.path.realpath(torch.__file__)
    if not where.startswith(os.path.realpath(src) + os.sep):
        raise SystemExit(f"imported torchlet from {where}, not from {src}: is another one installed first?")
    out = {}
    for w in workloads:
        call = _call(torch, w)
        if smoke:
            call()
            out[w] = 0.0
        else:
            out[w] = _seconds_per_call(call)
    return out


# ----- the parent: trees, alternating children, medians ------------------------------
def _git(repo, *args):
    p = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"git {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout.strip()


def default_old(repo):
    """The parent of the first op-table commit: the tree before issue 13's work."""
    first = _git(repo, "log", "--format=%H", "--reverse", f"--grep={FIRST_OP_TABLE_COMMIT}")
    if not first:
        raise SystemExit("no commit whose subject starts 'One op table' here: name OLD explicitly")
    return _git(repo, "rev-parse", first.split()[0] + "^")


@contextlib.contextmanager
def trees(repo, revs):
    """{rev: the root of a tree holding it}: "." is the working tree itself, any other
    revision a temporary detached worktree, removed on the way out."""
    made, roots = [], {}
    tmp = tempfile.mkdtemp(prefix="torchlet-revs-")
    try:
        for i, rev in enumerate(revs):
            if rev in roots:
                continue
            if rev == ".":
                roots[rev] = repo
                continue
            path = os.path.join(tmp, f"tree{i}")
            _git(repo, "worktree", "add", "--quiet", "--detach", path, rev)
            made.append(path)
            roots[rev] = path
        yield roots
    finally:
        for path in made:
            subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", path], capture_output=True)
        subprocess.run(["git", "-C", repo, "worktree", "prune"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _run_child(root, workloads, threads, smoke):
    sys.path.insert(0, HERE)
    from suite import thread_env

    src = os.path.join(root, "src")
    env = thread_env(threads, PYTHONPATH=src)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", src, "--only", ",".join(workloads)]
    if smoke:
        cmd.append("--smoke")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(f"the workloads failed on {root}:\n{p.stdout}{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def compare(roots, old, new, workloads, rounds, threads, smoke, emit=print):
    times = {rev: {w: [] for w in workloads} for rev in (old, new)}
    for r in range(rounds):
        for rev in (old, new) if r % 2 == 0 else (new, old):  # alternate which goes first too
            for w, t in _run_child(roots[rev], workloads, threads, smoke).items():
                times[rev][w].append(t)
        emit(f"round {r + 1}/{rounds} done")
    rows = []
    for w in workloads:
        to, tn = statistics.median(times[old][w]), statistics.median(times[new][w])
        rows.append({"workload": w, "old_s": to, "new_s": tn, "ratio": tn / to if to else None})
    return rows


def _write_json(path, data):
    """Atomically: a temporary file beside `path`, renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _format(rows):
    lines = [f"{'workload':<22} {'old':>12} {'new':>12} {'new/old':>8}"]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"{r['workload']:<22} {r['old_s'] * 1e6:>10.1f}us {r['new_s'] * 1e6:>10.1f}us {ratio:>8}")
    return "\n".join(lines)


def _workloads(text):
    names = [w for w in text.split(",") if w]
    bad = [w for w in names if w not in WORKLOADS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {', '.join(bad) or '(none)'}; known: {', '.join(WORKLOADS)}"
        )
    return names


def _rounds(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"--rounds takes a whole number >= 1, got {text}")
    return n


def _threads(text):
    if text not in ("1", "default"):
        raise argparse.ArgumentTypeError(f"--threads takes 1 or default, got {text!r}")
    return 1 if text == "1" else None


def parser():
    p = argparse.ArgumentParser(prog="benchmarks/compare_revisions.py", description=__doc__.splitlines()[0])
    p.add_argument("old", nargs="?", help="the baseline revision (default: before issue 13's op table)")
    p.add_argument(
        "new", nargs="?", default="HEAD", help='the revision measured against it (default HEAD; "." the working tree)'
    )
    p.add_argument("--rounds", type=_rounds, default=7, help="processes per revision, alternating (median reported)")
    p.add_argument("--only", type=_workloads, default=list(WORKLOADS), help="comma-separated workloads (default all)")
    p.add_argument("--threads", type=_threads, default=1, help="1 (default) or default (the libraries' own count)")
    p.add_argument("--repo", default=os.path.dirname(HERE), help="the git checkout the revisions are in")
    p.add_argument("--json", metavar="PATH", help="write the rows as JSON")
    p.add_argument("--smoke", action="store_true", help="one round, one call per workload: they run, nothing timed")
    p.add_argument("--list", action="store_true", help="print the workloads and exit")
    p.add_argument("--child", metavar="SRC", help=argparse.SUPPRESS)  # one tree's process
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.list:
        print("\n".join(WORKLOADS))
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.only, args.smoke)))
        return 0
    repo = _git(args.repo, "rev-parse", "--show-toplevel")
    old = args.old or default_old(repo)
    revs = [old if old == "." else _git(repo, "rev-parse", "--verify", old + "^{commit}")]
    revs.append(args.new if args.new == "." else _git(repo, "rev-parse", "--verify", args.new + "^{commit}"))
    rounds = 1 if args.smoke else args.rounds
    print(f"old {revs[0][:12]}  new {revs[1][:12]}  rounds {rounds}  threads {args.threads or 'default'}")
    with trees(repo, revs) as roots:
        rows = compare(roots, revs[0], revs[1], args.only, rounds, args.threads, args.smoke)
    print(_format(rows))
    if args.json:
        _write_json(args.json, {"old": revs[0], "new": revs[1], "rounds": rounds, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
