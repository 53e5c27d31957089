"""`python -m torchlet.compat PROGRAM.py [ARGS...]`: run an unmodified PyTorch
program on torchlet; `--check PROGRAM.py` lists the names it uses instead.

The program sees what `python PROGRAM.py ARGS...` would give it: sys.argv,
sys.path[0] (its directory), `__name__ == "__main__"`, `__file__`, and on an
uncaught exception a traceback that starts in its own code and exit status 1.
"""

import os
import runpy
import sys

USAGE = """usage: python -m torchlet.compat [--check] PROGRAM.py [ARGS...]

Runs a PyTorch program on torchlet: `torch`, `torchvision`, `safetensors.torch`
and `torchsummary` are mapped onto torchlet's modules.
  --check    list the torch/torchvision names the program uses and which torchlet lacks,
             without running it (exit status 1 when something is missing)"""


def _trim(tb, path):
    """The traceback from the program's first frame on (runpy's and ours dropped)."""
    target = os.path.abspath(path)
    t = tb
    while t is not None:
        if os.path.abspath(t.tb_frame.f_code.co_filename) == target:
            return t
        t = t.tb_next
    # the error came before the program's first line ran (e.g. a SyntaxError): drop our frames only
    t = tb
    while t is not None and (
        t.tb_frame.f_globals.get("__name__") in ("runpy", __name__)
        or t.tb_frame.f_code.co_filename.endswith(("runpy.py", "__main__.py"))
        and "torchlet" in t.tb_frame.f_code.co_filename
    ):
        t = t.tb_next
    return t


def _inherit():
    """Python processes the program starts (spawned workers, hogwild training processes)
    get the same mapping: `_child/sitecustomize.py` installs it when TORCHLET_COMPAT=1."""
    here = os.path.dirname(os.path.abspath(__file__))
    package_root = os.path.dirname(os.path.dirname(here))
    paths = [os.path.join(here, "_child"), package_root] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ["TORCHLET_COMPAT"] = "1"


def run_program(path, args):
    from . import install

    if not os.path.exists(path):
        print(
            f"python -m torchlet.compat: can't open file {path!r}: [Errno 2] No such file or directory", file=sys.stderr
        )
        return 2
    install()
    _inherit()
    sys.argv = [path] + list(args)
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as e:  # noqa: B902 - KeyboardInterrupt too, as python prints it
        tb = _trim(e.__traceback__, path)
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    if argv[0] == "--check":
        if len(argv) != 2:
            print(USAGE, file=sys.stderr)
            return 2
        from ._check import main as check_main

        return check_main(argv[1])
    if argv[0] == "--":
        argv = argv[1:]
    return run_program(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
