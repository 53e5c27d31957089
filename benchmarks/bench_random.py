"""Random streams against PyTorch: randn(1_000_000), rand(1_000_000),
randperm(60_000) and dropout on 256x1024, drawing the same numbers as PyTorch, each
library in its own alternating processes (the suite's "random" group, see benchmarks/suite):

    python benchmarks/bench_random.py [--json PATH] [--rounds 3] [--repeat 3]
"""

import sys

from suite import main  # each timing runs in a child whose BLAS threads the suite pins (thread_env)

if __name__ == "__main__":
    sys.exit(main(["--only", "random"] + sys.argv[1:]))
