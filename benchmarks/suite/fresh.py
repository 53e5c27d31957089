"""Measurements that need a fresh interpreter per library: import time and
the peak memory of a training epoch."""

import json
import os
import statistics
import subprocess
import sys

WORKLOADS_FILE = os.path.join(os.path.dirname(__file__), "workloads.py")


def _child(code, env):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_IMPORT = "import time; t = time.perf_counter(); import {lib}; print(time.perf_counter() - t)"


def import_times(libs, repeat=5):
    """Median `import lib` seconds, each in a fresh interpreter (interpreter
    start-up excluded), alternating libraries."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package imports from cached bytecode
    times = {lib: [] for lib in libs}
    for lib in libs:
        _child(_IMPORT.format(lib=lib), env)  # a first import writes the bytecode, untimed
    for _ in range(repeat):
        for lib in libs:
            times[lib].append(_child(_IMPORT.format(lib=lib), env))
    return {lib: statistics.median(v) for lib, v in times.items()}


_MEMORY = r"""
import importlib.util, json, resource
import numpy as np
import {lib} as m
spec = importlib.util.spec_from_file_location("_bench_workloads", {workloads!r})
w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
if {threads} is not None:
    m.set_num_threads({threads})
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
print(json.dumps({{"before": before, "peak": peak, "delta": max(0, peak - before), "loss": float(loss)}}))
"""


def epoch_memory(libs, samples=4096, threads=1):
    """Peak memory a LeNet training epoch adds (peak resident size, VmHWM, after
    the epoch minus the resident size before it, in a fresh process per
    library): bytes. Linux only (/proc). ru_maxrss is not used: across
    fork + exec it keeps the parent's peak, which dwarfs the epoch."""
    out = {}
    for lib in libs:
        code = _MEMORY.format(lib=lib, workloads=WORKLOADS_FILE, samples=samples, threads=threads)
        out[lib] = _child(code, os.environ)
    return out
