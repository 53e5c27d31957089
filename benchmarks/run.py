"""Run the benchmark suite: torchlet against PyTorch (the library: benchmarks/suite/).

python benchmarks/run.py [--only train,ops] [--json out.json] [--png out.png]
"""

import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads: BLAS reads them once

from suite import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
