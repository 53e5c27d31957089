"""Language-model training steps (GPT, LSTM), torchlet against PyTorch, timed alternately in one
run. Now part of the suite in benchmarks/suite (workloads: suite/lm.py); this runs its "lm" group:

    python benchmarks/bench_lm.py [--repeat 5] [--threads 1] [--json PATH]
"""

import sys

from suite import main

if __name__ == "__main__":
    sys.exit(main(["--only", "lm"] + sys.argv[1:]))
