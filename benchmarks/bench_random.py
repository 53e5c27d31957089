"""Random streams against PyTorch: randn(1_000_000), rand(1_000_000),
randperm(60_000) and dropout on 256x1024, drawing the same numbers as PyTorch,
timed alternately in one run (the suite's "random" group, see benchmarks/suite):

    python benchmarks/bench_random.py [--json PATH] [--repeat 7]
"""

import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads: BLAS reads them once

from suite import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["--only", "random"] + sys.argv[1:]))
