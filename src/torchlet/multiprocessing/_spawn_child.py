"""One rank of an mp.spawn job started through mpiexec (see _mpi_spawn):
python -m torchlet.multiprocessing._spawn_child FOLDER.

Re-imports the parent's main module as __mp_main__ (multiprocessing's own
preparation), runs fn(rank, *args) and records how it ended in FOLDER:
`<rank>.err` holds fn's traceback, `<rank>.exit` the exit code.
"""

import multiprocessing.spawn
import os
import pickle
import sys
import traceback


def _rank():
    for name in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"):
        if name in os.environ:
            return int(os.environ[name])
    return 0


def _record(folder, rank, suffix, text):
    from torchlet._atomic import atomic_open

    with atomic_open(os.path.join(folder, f"{rank}.{suffix}")) as fh:
        fh.write(str(text).encode())


def main(folder):
    rank = _rank()
    _record(folder, rank, "pid", os.getpid())
    with open(os.path.join(folder, "payload.pkl"), "rb") as fh:
        prep, compat, blob = pickle.load(fh)
    if compat:
        import torchlet.compat

        torchlet.compat.install()
    multiprocessing.spawn.prepare(prep)
    from . import init_reductions

    init_reductions()
    code = 0
    try:
        fn, args = pickle.loads(blob)
        fn(rank, *args)
    except KeyboardInterrupt:
        pass
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception:
        _record(folder, rank, "err", traceback.format_exc())
        code = 1
    if code == 0:
        # the normal exit: the process group's atexit handler (a clean leave) runs after this
        _record(folder, rank, "exit", 0)
        return 0
    _record(folder, rank, "exit", code)
    from torchlet.distributed import _fault

    _fault.abort_if_joined(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
