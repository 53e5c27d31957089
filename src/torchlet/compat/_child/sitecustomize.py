"""Put on PYTHONPATH by `python -m torchlet.compat` for the Python processes a program
starts (multiprocessing spawn children, `subprocess` calls to python): with
TORCHLET_COMPAT=1 they map `torch` onto torchlet too, as the program itself does."""

import os

if os.environ.get("TORCHLET_COMPAT") == "1":
    try:
        from torchlet.compat import install

        install()
    except ImportError:  # torchlet not importable from this interpreter: leave it alone
        pass
