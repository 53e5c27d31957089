"""Run the benchmark suite: torchlet against PyTorch (the library: benchmarks/suite/).

python benchmarks/run.py [--only train,ops] [--threads 1,default] [--json out.json] [--png out.png] [--smoke]
"""

import sys

from suite import main

if __name__ == "__main__":
    sys.exit(main())
