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


def timings(calls, repeat=7, warmup=3, target=0.1):
    """Seconds per call of every timing of each entry of {name: callable}:
    ({name: [seconds, ...]}, calls per timing). Timings alternate between the
    entries, so a change of machine load hits all. Each timing follows one
    untimed call of its own entry: after a call, PyTorch's OpenMP threads and
    OpenBLAS's threads spin for milliseconds, and on a 2-core machine the other
    library's next call would start on a busy core (a 2048x128x512 product:
    1.5 ms after itself, 3.2 ms after a PyTorch call). `timings.faults`: minor
    page faults per call of each entry."""
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
    timings.faults = {k: v / (n * repeat) for k, v in faults.items()}
    return times, n


def compare(calls, **kw):
    """Median seconds per call of each entry of {name: callable} (see timings), and the calls per timing."""
    times, n = timings(calls, **kw)
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
LIBS = ("torchlet", "torch")


def _row(group, name, tl, th, unit="s", limit=None, higher_is_better=False):
    """A result row. `tl`/`th`: torchlet's and PyTorch's value (None where not measured); a
    fraction (unit "frac", e.g. of the machine's peak FLOP/s) gets no ratio."""
    ratio = tl / th if tl is not None and th and unit != "frac" else None
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
        "higher_is_better": higher_is_better,
        "target": target,
        "met": met,
    }


def merge(rows):
    """One row per (threads, group, name) out of the rows of several processes, each of which
    timed one library: a library's value is the median of all its timings in every process (of
    the values it reported, for a row measured once per process), and the ratio and the
    target's verdict follow from those. A row only one process reported passes unchanged."""
    by_key = {}
    for r in rows:
        by_key.setdefault((r.get("threads"), r["group"], r["name"]), []).append(r)
    out = []
    for (threads, group, name), rs in by_key.items():
        if len(rs) == 1:
            out.append(rs[0])
            continue
        value, times = {}, {}
        for lib in LIBS:
            times[lib] = [t for r in rs for t in (r.get("times") or {}).get(lib, [])]
            vals = times[lib] or [r[lib] for r in rs if r.get(lib) is not None]
            value[lib] = statistics.median(vals) if vals else None
        first = rs[0]
        better = first.get("higher_is_better", False)
        m = _row(group, name, value["torchlet"], value["torch"], first["unit"], first["limit"], better)
        m.update(threads=threads, num_threads=first.get("num_threads"), times={k: v for k, v in times.items() if v})
        for key in ("calls_per_timing", "page_faults_per_call"):  # {library: value}, from the processes timing it
            per_lib = {}
            for r in rs:
                for lib, v in (r.get(key) or {}).items():
                    per_lib.setdefault(lib, []).append(v)
            if per_lib:
                m[key] = {lib: statistics.mean(v) for lib, v in per_lib.items()}
        out.append(m)
    return out
