"""`python -m torchlet ...`: the `torchlet` command (torchlet.cli)."""

import sys

from .cli.main import main

sys.exit(main())
