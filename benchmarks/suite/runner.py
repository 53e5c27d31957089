"""Timing: both libraries in one process, alternately, after a warm-up; and
the measurements that need a fresh process (import time, peak memory)."""

import os
import statistics
import time
import timeit


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
    alternate between the entries, so a change of machine load hits all. Each
    timing follows one untimed call of its own entry: after a call, PyTorch's
    OpenMP threads and OpenBLAS's threads spin for milliseconds, and on a
    2-core machine the other library's next call would start on a busy core
    (a 2048x128x512 product: 1.5 ms after itself, 3.2 ms after a PyTorch call)."""
    for c in calls.values():
        for _ in range(warmup):
            c()
    n = max(calls_per_timing(c, target) for c in calls.values())
    times = {k: [] for k in calls}
    faults = dict.fromkeys(calls, 0)
    for _ in range(repeat):
        for k, c in calls.items():
            c()  # untimed: the other library's pool threads, still spinning, slow this call, not a timed one
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
