"""Per-op cost of torchlet against PyTorch, measured alternately in one run.

    python benchmarks/bench_ops.py [--json PATH] [--repeat 7] [--number N]

For small (2x2) and medium (256x256) float32 inputs: add, mul, matmul, sum,
relu, each forward only and forward+backward. PyTorch is pinned to one
thread (torch.set_num_threads(1)); NumPy's BLAS is pinned to one thread by
setting OMP/OPENBLAS/MKL_NUM_THREADS=1 before NumPy is imported (this
script does it when those variables are unset), so both sides use one core.
Each case runs torchlet and PyTorch in turn, `repeat` times, after a
warm-up; each timing is timeit over `number` calls; the median per call is
reported with the ratio torchlet / PyTorch (lower is better for torchlet).
"""
import argparse
import json
import os
import statistics
import sys
import timeit

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import torchlet  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # pragma: no cover
    torch = None

OPS = {
    "add": lambda m, a, b: a + b,
    "mul": lambda m, a, b: a * b,
    "matmul": lambda m, a, b: a.matmul(b),
    "sum": lambda m, a, b: a.sum(),
    "relu": lambda m, a, b: a.relu(),
}
SIZES = {"small": (2, 2), "medium": (256, 256)}


def _inputs(m, shape, requires_grad):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    return (m.tensor(a, requires_grad=requires_grad), m.tensor(b, requires_grad=requires_grad))


def _case(m, op, shape, backward):
    a, b = _inputs(m, shape, backward)
    fn = OPS[op]
    if not backward:
        return lambda: fn(m, a, b)

    def step():
        fn(m, a, b).sum().backward()
        a.grad = b.grad = None
    return step


def _number(call, target=0.05):
    """Calls per timing so that one timing takes about `target` seconds."""
    n = 1
    while True:
        t = timeit.timeit(call, number=n)
        if t >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(t, 1e-9)))
        n *= 4


def run(repeat=7, number=None):
    if torch is None:
        sys.exit("PyTorch is needed as the reference: pip install torch")
    torch.set_num_threads(1)
    torchlet.set_num_threads(1)
    rows = []
    for size, shape in SIZES.items():
        for op in OPS:
            if not hasattr(torchlet.Tensor, op) and op not in ("add", "mul"):
                continue
            for backward in (False, True):
                calls = {name: _case(m, op, shape, backward)
                         for name, m in (("torchlet", torchlet), ("torch", torch))}
                for c in calls.values():  # warm-up
                    for _ in range(20):
                        c()
                n = number or _number(calls["torchlet"])
                times = {"torchlet": [], "torch": []}
                for _ in range(repeat):  # alternate, so load changes hit both sides
                    for name, c in calls.items():
                        times[name].append(timeit.timeit(c, number=n) / n)
                med = {k: statistics.median(v) for k, v in times.items()}
                rows.append({"op": op, "size": size, "shape": list(shape),
                             "mode": "fwd+bwd" if backward else "fwd", "number": n,
                             "repeat": repeat, "torchlet_us": med["torchlet"] * 1e6,
                             "torch_us": med["torch"] * 1e6,
                             "ratio": med["torchlet"] / med["torch"]})
                r = rows[-1]
                print(f"{op:8s} {size:7s} {r['mode']:8s} torchlet {r['torchlet_us']:10.2f} us   "
                      f"torch {r['torch_us']:10.2f} us   ratio {r['ratio']:6.2f}", flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--number", type=int, default=None, help="calls per timing (default: auto)")
    args = p.parse_args(argv)
    rows = run(args.repeat, args.number)
    if args.json:
        meta = {"numpy": np.__version__, "torch": torch.__version__, "threads": 1,
                "python": sys.version.split()[0]}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
