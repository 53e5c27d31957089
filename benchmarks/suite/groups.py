"""One interpreter's share of the suite: the named groups at one thread
setting. Both libraries are loaded (torchlet's models take PyTorch's initial
weights); the ones in `timed` are timed, alternately when both (runner.timings)."""

import os
import statistics
import sys

from .runner import _row, load_average, matmul_peak, now, timings

GROUPS = ("train", "infer", "lm", "layers", "ops", "data", "random", "import", "memory", "flops")
OP_TARGETS = {"add", "mul", "sum"}  # the ops the issue gives a 256x256 target


def limit(group, name, threads):
    """The issue's target for a row: torchlet / PyTorch at most this (None: measured only)."""
    if group == "train":
        if threads != 1:
            return 1.2
        return 1.15 if name in ("cifar", "resnet18") else 1.0
    if group == "infer":
        return 1.1
    if group == "lm":
        return 1.3
    if group == "op 2x2":
        return 1.5
    if group == "op 256x256":
        return 1.3 if name.split()[0] in OP_TARGETS else None
    if group == "data":
        return 1.0  # epoch time: throughput at least PyTorch's
    if group == "random":
        return 3.0
    if group == "memory" and name.startswith("LeNet epoch"):
        return 1.0
    return None


def set_threads(libs, threads):
    """threads None: each library's default (nothing set). Returns the counts in use."""
    for m in libs.values():
        if threads is not None:
            m.set_num_threads(threads)
    return {k: m.get_num_threads() for k, m in libs.items()}


def run(groups, models=None, repeat=7, threads=1, use_torch=True, emit=print, timed=None):
    """Rows of the named groups; `threads` 1 or None (the libraries' defaults; the
    caller has left the BLAS thread variables unset); `timed` the libraries to time
    (None: every one loaded; the others' values are None). Returns (meta, rows)."""
    import numpy as np
    import torchlet

    from . import fresh, machine, report
    from . import workloads as w

    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            emit("PyTorch is not installed: absolute figures only")
    libs = {"torchlet": torchlet}
    if torch is not None:
        libs["torch"] = torch
    counts = set_threads(libs, threads)
    label = "1" if threads == 1 else "default"
    models = models or list(w.MODELS)
    meta = {
        "start": now(),
        "numpy": np.__version__,
        "torchlet": torchlet.__version__,
        "torch": getattr(torch, "__version__", None),
        "python": sys.version.split()[0],
        "machine": machine.describe(),
        "threads": {label: dict(counts, blas=machine.blas())},
        "repeat": repeat,
        "load_before": load_average(),
        "timed": sorted(timed or libs),
        "pid": os.getpid(),
    }
    rows = []

    def add(r):
        r["threads"] = label
        r["num_threads"] = counts
        rows.append(r)
        emit(report.row_text(r))

    def pair(calls_of, group, name, **kw):
        calls = {k: calls_of(k, m) for k, m in libs.items() if timed is None or k in timed}
        if any(c is None for c in calls.values()):
            return None
        times, n = timings(calls, repeat=repeat, **kw)
        med = {k: statistics.median(v) for k, v in times.items()}
        r = _row(group, name, med.get("torchlet"), med.get("torch"), limit=limit(group, name, threads))
        r["times"] = times
        r["calls_per_timing"] = dict.fromkeys(calls, n)
        r["page_faults_per_call"] = timings.faults
        add(r)
        return r

    step_time = {}
    if "train" in groups or "flops" in groups:
        for name in models:
            built = w.build(name, libs)
            r = pair(lambda k, m: w.train_step(m, built[k]), "train", name, warmup=2, target=0.3)
            step_time[name] = r["torchlet"], r["torch"]
            if name == "mlp":
                adam = w.build(name, libs)
                pair(lambda k, m: w.train_step(m, adam[k], "adam"), "train", "mlp (Adam)", warmup=2, target=0.3)
    if "infer" in groups:
        for name in models:
            built = w.build(name, libs)
            pair(lambda k, m: w.inference(m, built[k]), "infer", name, warmup=2, target=0.2)
    if "lm" in groups:
        if torch is None:
            emit("lm         needs PyTorch for the reference weights: skipped")
        else:
            from . import lm

            for name in lm.MODELS:
                calls = lm.build(name, torch)
                pair(lambda k, m: calls[k], "lm", f"{name} train step", warmup=2, target=0.5)
    if "ops" in groups:
        for size, shape in w.OP_SIZES.items():
            for op in w.OPS:
                for bwd in (False, True):
                    name = f"{op} {'fwd+bwd' if bwd else 'fwd'}"
                    pair(lambda k, m: w.op_call(m, op, shape, bwd), "op " + size, name, warmup=20, target=0.05)
    if "layers" in groups:
        for name, make, shape in w.LAYERS:
            pair(lambda k, m: w.layer_call(m, name, make, shape), "layer", name, warmup=3, target=0.1)
    if "data" in groups:
        from . import data

        for kind in data.SHAPES:
            for workers in data.WORKERS:
                name = f"DataLoader {kind} {workers} workers"
                pair(lambda k, m: data.epoch_call(m, kind, workers), "data", name, warmup=1, target=0.3)
    if "random" in groups:
        # the same draws as PyTorch (same seed, same numbers), at most 3x its time
        for name in w.RANDOM:
            pair(lambda k, m: w.random_call(m, name), "random", name, warmup=2, target=0.1)
    if "import" in groups:
        t = fresh.import_times(list(libs))
        add(_row("import", "import (fresh process)", t["torchlet"], t.get("torch")))
        r = _row("import", "import torchlet < 0.3 s", t["torchlet"], None)
        r.update(limit=None, target="<0.3 s", met=t["torchlet"] < 0.3)
        add(r)
    if "memory" in groups and os.path.exists("/proc/self/status"):
        mem = fresh.epoch_memory(list(libs), threads=threads)
        tl, th = mem["torchlet"], mem.get("torch")
        name = "LeNet epoch peak (delta)"
        add(_row("memory", name, tl["delta"], th and th["delta"], "B", limit("memory", name, threads)))
        add(_row("memory", "process max RSS", tl["peak"], th and th["peak"], "B"))
    if "flops" in groups:
        peak = matmul_peak()
        add(_row("flops", "numpy f32 matmul peak GFLOP/s", peak / 1e9, None, unit=""))
        for name in ("mlp", "lenet"):
            if name in step_time:
                fl = w.step_flops(name)
                lim = 0.6 if name == "mlp" and threads == 1 else None
                frac = [t and fl / t / peak for t in step_time[name]]
                add(_row("flops", f"{name} step / peak", *frac, "frac", lim, True))
    meta["load_after"] = load_average()
    meta["end"] = now()
    return meta, rows
