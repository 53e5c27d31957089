"""The float32 products of the suite's models at one thread: oneDNN's sgemm (the `onednn`
extra), NumPy's OpenBLAS and PyTorch, per shape, timed alternately in one run. This is the
measurement behind ops/_gemm.py's one-thread rule (oneDNN from ONE_THREAD_MIN_N output columns, and
on Intel CPUs from ONE_THREAD_NARROW_MACS multiply-adds):

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_gemm.py [--repeat 5]
"""

import argparse
import os

import numpy as np

# (M, K, N): the LSTM's per-step and input products, GPT's, the MLP's and LeNet's, narrow heads
SHAPES = [
    (32, 256, 1024),
    (32, 1024, 256),
    (2048, 128, 1024),
    (2048, 256, 1024),
    (1024, 2048, 256),
    (2048, 128, 384),
    (2048, 128, 512),
    (128, 2048, 512),
    (256, 784, 256),
    (784, 256, 256),
    (128, 400, 120),
    (2048, 128, 65),
    (256, 256, 10),
    (256, 784, 10),
    (10, 256, 784),
    (256, 10, 784),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        parser.error("run with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 (one thread, as the rule)")

    import torch

    import torchlet
    from suite.runner import compare
    from torchlet.ops import _gemm, _onednn

    torch.set_num_threads(1)
    torchlet.set_num_threads(1)
    if not _onednn.enabled():
        parser.error("the onednn extra is not installed (pip install 'torchlet[onednn]')")
    print(
        f"{'M':>5} {'K':>5} {'N':>5} {'oneDNN':>10} {'OpenBLAS':>10} {'torch':>10}  oneDNN/torch  OpenBLAS/torch  rule"
    )
    rng = np.random.default_rng(0)
    for m, k, n in SHAPES:
        a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        calls = {
            "onednn": lambda: _onednn.sgemm(a, False, b, False, out, 0.0),
            "openblas": lambda: np.matmul(a, b, out=out),
            "torch": lambda: ta @ tb,
        }
        t, _ = compare(calls, repeat=args.repeat, target=0.05)
        rule = "oneDNN" if _gemm._on_onednn(m, n, k, k) else "OpenBLAS"
        print(
            f"{m:5d} {k:5d} {n:5d} {t['onednn'] * 1e6:8.1f}us {t['openblas'] * 1e6:8.1f}us {t['torch'] * 1e6:8.1f}us"
            f"  {t['onednn'] / t['torch']:12.2f}  {t['openblas'] / t['torch']:14.2f}  {rule}"
        )


if __name__ == "__main__":
    main()
