"""Run PyTorch programs unchanged on torchlet.

    python -m torchlet.compat program.py [args...]   # run it
    python -m torchlet.compat --check program.py     # list the torch names it uses, and the missing ones

or, from inside Python, before the first `import torch`:

    import torchlet.compat
    torchlet.compat.install()
    import torch            # torchlet
    import torchvision      # torchlet.vision

`install()` maps `torch` and its submodules onto torchlet, `torchvision`
onto `torchlet.vision`, `safetensors.torch` onto `torchlet.safetensors`
and `torchsummary` onto `torchlet.compat.torchsummary`. A PyTorch API torchlet
lacks raises an error that names it ("torchlet does not implement
torch.sparse_coo_tensor").
"""

from ._finder import TorchletNotImplementedError, install, uninstall, target_name
from .torchsummary import summary, summary_string

__all__ = ["install", "uninstall", "run_path", "check_file", "summary", "summary_string", "TorchletNotImplementedError"]


def run_path(path, argv=()):
    """Run a program file as `__main__` with the hook installed (see __main__.py)."""
    from .__main__ import run_program

    return run_program(path, list(argv))


def check_file(path):
    """(used, missing) torch/torchvision names of a program, without running it."""
    from ._check import check_file as _check

    return _check(path)
