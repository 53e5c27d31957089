"""Language-model training steps (GPT, LSTM), torchlet against PyTorch, each library in its own
alternating processes. Now part of the suite in benchmarks/suite (workloads: suite/lm.py); this
runs its "lm" group:

    python benchmarks/bench_lm.py [--rounds 3] [--repeat 3] [--threads 1] [--json PATH]
"""

import sys

from suite import main

if __name__ == "__main__":
    sys.exit(main(["--only", "lm"] + sys.argv[1:]))
