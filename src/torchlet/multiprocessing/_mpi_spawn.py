"""spawn through mpiexec: the children of mp.spawn form one MPI job, so that
fn(rank, ...) may call init_process_group(rank=rank, world_size=nprocs) as in
PyTorch's DDP tutorial (multigpu.py), with MPI as the engine.

Why mpiexec: MPI processes must be started by MPI's process manager to share
a COMM_WORLD. Joining independently started processes afterwards (connect/
accept between singletons) is not reliable in MPICH 5.0 (pmodels/mpich#7805).

The parent pickles multiprocessing's preparation data (how to re-import the
main module as __mp_main__) and (fn, args) into a job folder, runs
`mpiexec -n N python -m torchlet.multiprocessing._spawn_child FOLDER`, and
reads back what each child recorded there: `<i>.err` (fn's traceback) or
`<i>.exit` (its exit code). Output goes straight to the parent's stdout.

Used when mpi4py and mpiexec are present and the arguments pickle on their
own (a multiprocessing Queue or Lock can only be inherited: then the standard
library's processes are used, as before). TORCHLET_SPAWN=process forces the
standard library's processes, TORCHLET_SPAWN=mpi this path.
"""

import importlib.util
import multiprocessing.spawn
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from multiprocessing.reduction import ForkingPickler

# variables of an enclosing MPI job that would make the inner mpiexec's ranks join it
_MPI_ENV_PREFIXES = ("PMI_", "PMIX_", "HYDRA_", "HYDI_", "MPIR_CVAR_CH4_COLL", "OMPI_", "MPI_LOCAL")


def _mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


def usable(nprocs, start_method):
    choice = os.environ.get("TORCHLET_SPAWN", "").lower()
    if choice == "process" or start_method != "spawn":
        return False
    if choice == "mpi":
        return True
    return importlib.util.find_spec("mpi4py") is not None and _mpiexec() is not None


def _payload(fn, args):
    """(preparation data, pickled (fn, args)); None when the arguments can only be inherited."""
    from ..compat._finder import TorchletFinder

    prep = multiprocessing.spawn.get_preparation_data("torchlet-spawn")
    prep["authkey"] = bytes(prep["authkey"])  # an AuthenticationString refuses plain pickling
    compat = any(isinstance(f, TorchletFinder) for f in sys.meta_path)
    try:
        blob = bytes(ForkingPickler.dumps((fn, args)))
    except (RuntimeError, TypeError, pickle.PicklingError, AttributeError):
        return None
    return prep, compat, blob


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(_MPI_ENV_PREFIXES)}
    import torchlet

    root = os.path.dirname(os.path.dirname(os.path.abspath(torchlet.__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def start(fn, args, nprocs):
    """The running job's context, or None when this path cannot carry the arguments."""
    payload = _payload(fn, args)
    if payload is None:
        return None
    folder = tempfile.mkdtemp(prefix="torchlet-spawn-")
    with open(os.path.join(folder, "payload.pkl"), "wb") as fh:
        pickle.dump(payload, fh)
    exe = _mpiexec()
    if exe is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError("no mpiexec found: pip install 'torchlet[distributed]' (mpi4py and the mpich wheel)")
    cmd = [exe, "-n", str(nprocs), sys.executable, "-m", "torchlet.multiprocessing._spawn_child", folder]
    proc = subprocess.Popen(cmd, env=_env())
    return MpiexecContext(proc, nprocs, folder)


def _read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


class MpiexecContext:
    """PyTorch's ProcessContext over one mpiexec job of nprocs ranks."""

    def __init__(self, proc, nprocs, folder):
        self.mpiexec = proc
        self.nprocs = nprocs
        self.folder = folder
        self.processes = []

    def pids(self):
        return [
            int(p) if p else None for p in (_read(os.path.join(self.folder, f"{i}.pid")) for i in range(self.nprocs))
        ]

    def join(self, timeout=None, grace_period=None):
        """True when every rank has finished; raises as PyTorch does on the first failure."""
        try:
            code = self.mpiexec.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        try:
            self._raise_failure(code)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
        return True

    def _first(self, suffix, keep=lambda text: True):
        found = []
        for i in range(self.nprocs):
            path = os.path.join(self.folder, f"{i}.{suffix}")
            text = _read(path)
            if text is not None and keep(text):
                found.append((os.path.getmtime(path), i, text))
        return min(found) if found else None

    def _raise_failure(self, code):
        from .spawn import ProcessExitedException, ProcessRaisedException

        pids = self.pids()
        raised = self._first("err")
        if raised is not None:
            _, i, text = raised
            raise ProcessRaisedException(f"\n\n-- Process {i} terminated with the following error:\n{text}", i, pids[i])
        exited = self._first("exit", lambda text: text.strip() != "0")
        if exited is not None:
            _, i, text = exited
            c = int(text)
            raise ProcessExitedException(f"process {i} terminated with exit code {c}", i, pids[i], c)
        if code == 0:
            return
        # a rank ended without a record (os._exit, a signal): mpiexec's status is its code
        missing = [i for i in range(self.nprocs) if _read(os.path.join(self.folder, f"{i}.exit")) is None]
        i = missing[0] if missing else 0
        raise ProcessExitedException(f"process {i} terminated with exit code {code}", i, pids[i], code)
