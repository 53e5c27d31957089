"""DataLoader throughput, torchlet against PyTorch in alternating processes: Digits-shaped (8x8 grayscale)
and CIFAR-shaped (32x32 RGB) PIL images through ToTensor + Normalize, 0 and 2 worker processes.
Now part of the suite in benchmarks/suite (workloads: suite/data.py); this runs its "data" group:

    python benchmarks/bench_dataloader.py [--repeat 3] [--threads 1] [--json PATH] [--smoke]
"""

import sys

from suite import main

if __name__ == "__main__":
    sys.exit(main(["--only", "data"] + sys.argv[1:]))
