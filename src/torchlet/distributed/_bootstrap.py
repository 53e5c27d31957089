"""What each rank runs under the launcher: python -m torchlet.distributed._bootstrap
[--compat] [--nproc-per-node N] (-m MODULE | PROGRAM.py) [ARGS...].

It sets torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
GROUP_RANK) from the MPI process manager's (PMI_RANK/PMI_SIZE for MPICH,
OMPI_COMM_WORLD_* for Open MPI, SLURM_PROCID under srun), runs the program,
and when it fails (an exception, or a non-zero exit before or after
init_process_group) aborts the whole job so that no other rank waits forever,
its traceback left whole first (_fault.report).
"""

import os
import runpy
import sys


def _mpi_rank_size():
    for r, s in (
        ("PMI_RANK", "PMI_SIZE"),
        ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
        ("PMIX_RANK", "PMIX_SIZE"),
        ("SLURM_PROCID", "SLURM_NTASKS"),
    ):
        if r in os.environ and s in os.environ:
            return int(os.environ[r]), int(os.environ[s])
    from mpi4py import MPI

    return MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()


def main(argv):
    compat, per_node, module = False, None, False
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--compat":
            compat = True
        elif flag == "--nproc-per-node":
            per_node = int(argv.pop(0))
        elif flag == "--":
            break
    if argv and argv[0] == "-m":
        module = True
        argv.pop(0)
    rank, size = _mpi_rank_size()
    per_node = per_node or size
    os.environ.update(
        {
            "RANK": str(rank),
            "WORLD_SIZE": str(size),
            "LOCAL_RANK": str(rank % per_node),
            "LOCAL_WORLD_SIZE": str(per_node),
            "GROUP_RANK": str(rank // per_node),
            "ROLE_RANK": str(rank),
            "ROLE_WORLD_SIZE": str(size),
        }
    )
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    try:
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    from . import _fault

    _fault._bootstrapped[0] = True
    _fault.install()  # an uncaught exception is reported whole (the compat runner calls sys.excepthook)
    code, message = 0, None
    try:
        if compat:
            import torchlet.compat

            torchlet.compat.install()
        target, sys.argv = argv[0], list(argv)
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        elif compat:
            from torchlet.compat.__main__ import run_program

            code = run_program(target, argv[1:])
        else:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            message = str(e.code)
    except BaseException:  # noqa: B902
        import traceback

        code, message = 1, traceback.format_exc()
    if code:
        _fault.abort(code, message)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
