"""Run a job of real processes through mpiexec from the installed MPI wheel."""

import os
import subprocess
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")


def mpiexec():
    """mpiexec beside this interpreter (the mpich wheel's) or on PATH; skipped when missing
    locally, a failure under CI=true (the test extra installs mpi4py and mpich)."""
    from conftest import require, require_program

    require("mpi4py")
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return exe if os.path.exists(exe) else require_program("mpiexec")


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    e.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        e.pop(k, None)
    e.update(extra)
    return e


def run(argv, timeout=60, cwd=HERE, **extra):
    return subprocess.run(argv, env=env(**extra), capture_output=True, text=True, timeout=timeout, cwd=cwd)


def run_job(script, n, *args, timeout=60):
    """mpiexec -n n python script args; CompletedProcess."""
    return run([mpiexec(), "-n", str(n), sys.executable, os.path.join(HERE, script), *map(str, args)], timeout=timeout)
