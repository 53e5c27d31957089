"""Per-op cost of torchlet against PyTorch (add, mul, matmul, sum, relu on
2x2 and 256x256 float32, forward and forward+backward), measured alternately
in one run. Now part of the suite in benchmarks/suite; this runs its "ops" group:

    python benchmarks/bench_ops.py [--json PATH] [--png PATH] [--repeat 7]
"""

import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads: BLAS reads them once

from suite import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["--only", "ops"] + sys.argv[1:]))
