"""Timing: both libraries in one process, alternately, after a warm-up; and
the measurements that need a fresh process (import time, peak memory)."""

import json
import os
import statistics
import subprocess
import sys
import time
import timeit

WORKLOADS_FILE = os.path.join(os.path.dirname(__file__), "workloads.py")


def calls_per_timing(call, target):
    """How many calls make one timing last about `target` seconds."""
    n = 1
    while True:
        t = timeit.timeit(call, number=n)
        if t >= target / 4 or n >= 1 << 20:
            return max(1, round(n * target / max(t, 1e-9)))
        n *= 4


def compare(calls, repeat=7, warmup=3, target=0.1):
    """Median seconds per call of each entry of {name: callable}. Timings
    alternate between the entries, so a change of machine load hits all."""
    for c in calls.values():
        for _ in range(warmup):
            c()
    n = max(calls_per_timing(c, target) for c in calls.values())
    times = {k: [] for k in calls}
    faults = dict.fromkeys(calls, 0)
    for _ in range(repeat):
        for k, c in calls.items():
            f0 = _minflt()
            times[k].append(timeit.timeit(c, number=n) / n)
            faults[k] += _minflt() - f0
    compare.faults = {k: v / (n * repeat) for k, v in faults.items()}  # minor page faults per call
    return {k: statistics.median(v) for k, v in times.items()}, n


def _minflt():
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    except ImportError:  # pragma: no cover (Windows)
        return 0


def matmul_peak(size=2048, repeat=5):
    """Single-thread float32 FLOP/s of a large NumPy matrix product."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    a @ b
    ts = [timeit.timeit(lambda: a @ b, number=1) for _ in range(repeat)]
    return 2 * size**3 / min(ts)


# ----- fresh subprocesses ----------------------------------------------------
def _child(code, env):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_IMPORT = "import time; t = time.perf_counter(); import {lib}; print(time.perf_counter() - t)"


def import_times(libs, repeat=5):
    """Median `import lib` seconds, each in a fresh interpreter (interpreter
    start-up excluded), alternating libraries."""
    times = {lib: [] for lib in libs}
    for _ in range(repeat):
        for lib in libs:
            times[lib].append(_child(_IMPORT.format(lib=lib), os.environ))
    return {lib: statistics.median(v) for lib, v in times.items()}


_MEMORY = r"""
import importlib.util, json, resource
import numpy as np
import {lib} as m
spec = importlib.util.spec_from_file_location("_bench_workloads", {workloads!r})
w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
m.set_num_threads(1)
rng = np.random.default_rng(0)
n, batch = {samples}, 128
X = rng.random((n, 1, 28, 28), dtype=np.float32); Y = rng.integers(0, 10, n)
m.manual_seed(0)
model = w._lenet(m)
loss_fn = m.nn.CrossEntropyLoss()
opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
before = rss()
for i in range(0, n, batch):
    x, y = m.from_numpy(X[i:i + batch]), m.from_numpy(Y[i:i + batch])
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
with open("/proc/self/status") as f:  # VmHWM: this process's peak RSS (ru_maxrss would
    peak = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM")][0]  # include the forked parent's)
print(json.dumps({{"before": before, "peak": peak, "delta": max(0, peak - before)}}))
"""


def epoch_memory(libs, samples=4096):
    """Peak memory a LeNet training epoch adds (peak resident size, VmHWM, after
    the epoch minus the resident size before it, in a fresh process per
    library): bytes. Linux only (/proc). ru_maxrss is not used: across
    fork + exec it keeps the parent's peak, which dwarfs the epoch."""
    out = {}
    for lib in libs:
        out[lib] = _child(_MEMORY.format(lib=lib, workloads=WORKLOADS_FILE, samples=samples), os.environ)
    return out


def load_average():
    try:
        return os.getloadavg()
    except OSError:  # pragma: no cover
        return None


def now():
    return time.strftime("%Y-%m-%d %H:%M:%S")


# ----- the suite ---------------------------------------------------------------
def _row(group, name, tl, th, unit="s", limit=None, higher_is_better=False):
    ratio = tl / th if th else None
    met = None
    if limit is not None:
        value = tl if higher_is_better else ratio
        if value is not None:
            met = value >= limit if higher_is_better else value <= limit
    target = None if limit is None else (f">={limit:.0%}" if higher_is_better else f"<={limit}")
    return {
        "group": group,
        "name": name,
        "torchlet": tl,
        "torch": th,
        "unit": unit,
        "ratio": ratio,
        "limit": limit,
        "target": target,
        "met": met,
    }


def _batches(groups):
    """Groups run together in one fresh interpreter: flops needs train's step times."""
    out = []
    for g in groups:
        if g == "flops" and "train" in groups:
            continue
        out.append([g, "flops"] if g == "train" and "flops" in groups else [g])
    return out


def run_isolated(groups, models, repeat, json_path, png_path, use_torch):
    """Each group in a fresh interpreter (workloads leave the allocator's heap in
    states that change the next one's timings by up to 2x), rows merged."""
    import tempfile
    from . import report

    rows, metas = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, batch in enumerate(_batches(groups)):
            path = os.path.join(tmp, f"{i}.json")
            from . import RUN_SCRIPT

            cmd = [
                sys.executable,
                RUN_SCRIPT,
                "--only",
                ",".join(batch),
                "--repeat",
                str(repeat),
                "--json",
                path,
                "--no-isolate",
            ]
            if models:
                cmd += ["--models", ",".join(models)]
            if not use_torch:
                cmd.append("--no-torch")
            env = dict(os.environ, TORCHLET_BENCH_QUIET_HEADER="1" if i else "")
            subprocess.run(cmd, env=env, check=True)
            with open(path) as f:
                data = json.load(f)
            rows += data["results"]
            metas.append(data["meta"])
    meta = dict(metas[0], end=metas[-1]["end"], load_after=metas[-1]["load_after"], isolated=True)
    if json_path:
        report.write_json(json_path, meta, rows)
    if png_path:
        report.write_png(png_path, rows, f"torchlet vs PyTorch, 1 thread, {meta['start']}")
    return rows


def run(groups, models=None, repeat=7, json_path=None, png_path=None, use_torch=True, machine=""):
    import numpy as np
    import torchlet
    from . import report, workloads as w
    from . import TARGETS

    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: absolute figures only")
    libs = {"torchlet": torchlet}
    if torch is not None:
        torch.set_num_threads(1)
        libs["torch"] = torch
    torchlet.set_num_threads(1)
    models = models or list(w.MODELS)
    load_before = load_average()
    meta = {
        "start": now(),
        "numpy": np.__version__,
        "torchlet": torchlet.__version__,
        "torch": getattr(torch, "__version__", None),
        "python": sys.version.split()[0],
        "machine": machine,
        "threads": 1,
        "repeat": repeat,
        "load_before": load_before,
    }
    if not os.environ.get("TORCHLET_BENCH_QUIET_HEADER"):
        print(
            f"torchlet bench  {meta['start']}  numpy {meta['numpy']}  torch {meta['torch']}  "
            f"1 thread  load avg {load_before}"
        )
        print("batches: softmax/mlp 256 x 1x28x28; lenet/lenet5 128 x 1x28x28; cifar/resnet18 64 x 3x32x32")
        print(report.HEADER)
    rows = []

    def emit(r):
        rows.append(r)
        print(report.row_text(r), flush=True)

    def pair(calls_of, group, name, limit=None, **kw):
        calls = {k: calls_of(k, m) for k, m in libs.items()}
        if any(c is None for c in calls.values()):
            return None
        med, n = compare(calls, repeat=repeat, **kw)
        r = _row(group, name, med["torchlet"], med.get("torch"), limit=limit)
        r["calls_per_timing"] = n
        r["page_faults_per_call"] = compare.faults
        emit(r)
        return r

    step_time = {}
    if "train" in groups or "flops" in groups:
        for name in models:
            built = w.build(name, libs)
            r = pair(
                lambda k, m: w.train_step(m, built[k]),
                "train",
                name,
                TARGETS.get(("train", name)),
                warmup=2,
                target=0.3,
            )
            step_time[name] = r["torchlet"], r["torch"]
            if name == "mlp":
                pair(
                    lambda k, m: w.train_step(m, w.build(name, libs)[k], "adam"),
                    "train",
                    "mlp (Adam)",
                    warmup=2,
                    target=0.3,
                )
    if "infer" in groups:
        for name in models:
            built = w.build(name, libs)
            pair(lambda k, m: w.inference(m, built[k]), "infer", name, warmup=2, target=0.2)
    if "ops" in groups:
        for size, shape in w.OP_SIZES.items():
            for op in w.OPS:
                # targets for the ops the issue names (relu: measured, no target)
                limit = None if op == "relu" else 2.0 if size == "2x2" else 1.2
                for bwd in (False, True):
                    pair(
                        lambda k, m: w.op_call(m, op, shape, bwd),
                        "op " + size,
                        f"{op} {'fwd+bwd' if bwd else 'fwd'}",
                        limit,
                        warmup=20,
                        target=0.05,
                    )
    if "layers" in groups:
        for name, make, shape in w.LAYERS:
            pair(lambda k, m: w.layer_call(m, name, make, shape), "layer", name, warmup=3, target=0.1)
    if "data" in groups:
        r = pair(lambda k, m: w.dataloader_call(m), "data", "DataLoader 4096x1x28x28 b256", warmup=1, target=0.3)
        if r is None:
            print("data       DataLoader: torchlet.utils.data.DataLoader not available, skipped")
    if "random" in groups:
        # the same draws as PyTorch (same seed, same numbers), at most 3x its time
        for name in w.RANDOM:
            pair(lambda k, m: w.random_call(m, name), "random", name, 3.0, warmup=2, target=0.1)
    if "import" in groups:
        t = import_times(list(libs))
        emit(_row("import", "import (fresh process)", t["torchlet"], t.get("torch")))
        r = _row("import", "import torchlet < 0.3 s", t["torchlet"], None)
        r.update(limit=None, target="<0.3 s", met=t["torchlet"] < 0.3)
        emit(r)
    if "memory" in groups:
        mem = epoch_memory(list(libs))
        tl, th = mem["torchlet"], mem.get("torch")
        emit(_row("memory", "LeNet epoch peak (delta)", tl["delta"], th and th["delta"], "B", 1.0))
        emit(_row("memory", "process max RSS", tl["peak"], th and th["peak"], "B"))
    if "flops" in groups:
        peak = matmul_peak()
        emit(_row("flops", "numpy f32 matmul peak GFLOP/s", peak / 1e9, None, unit=""))
        for name in ("mlp", "lenet"):
            if name in step_time:
                fl = w.step_flops(name)
                tl, th = step_time[name]
                limit = 0.6 if name == "mlp" else None
                r = _row(
                    "flops",
                    f"{name} step / peak",
                    fl / tl / peak,
                    th and fl / th / peak,
                    "frac",
                    limit,
                    higher_is_better=True,
                )
                r["ratio"] = None  # a fraction, not a time: no torchlet/torch ratio
                emit(r)
    meta["load_after"] = load_average()
    meta["end"] = now()
    print(f"{'':10} load avg before {load_before}, after {meta['load_after']}")
    if json_path:
        report.write_json(json_path, meta, rows)
    if png_path:
        report.write_png(png_path, rows, f"torchlet vs PyTorch, 1 thread, {meta['start']}")
    return rows
