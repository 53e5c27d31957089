"""Per-op cost of torchlet against PyTorch (add, mul, matmul, sum, relu on
2x2 and 256x256 float32, forward and forward+backward), each library in its own
alternating processes. Now part of the suite in benchmarks/suite; this runs its "ops" group:

    python benchmarks/bench_ops.py [--json PATH] [--png PATH] [--rounds 3] [--repeat 3]
"""

import sys

from suite import main

if __name__ == "__main__":
    sys.exit(main(["--only", "ops"] + sys.argv[1:]))
