"""The launcher: torchrun's command line on MPI.

    python -m torchlet.distributed.run --nproc-per-node 2 train.py --epochs 3
    torchlet run --nproc 2 train.py --epochs 3

starts the ranks with `mpiexec` (the one next to this Python, from the MPICH
wheel, else the one on PATH), each through `_bootstrap`, which sets RANK,
LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT as torchrun does and runs
PyTorch programs on torchlet (torchlet.compat). Output is streamed line by
line with a "[rankN]: " prefix. A rank that raises or exits non-zero aborts
the job (MPI_Abort): the launcher returns its exit code within seconds. The
abort kills mpiexec's output forwarders too, so a failing rank leaves its
traceback in a file of its own (TORCHLET_ERROR_DIR, as torchrun's error
files); once every output pipe has reached end of file, the launcher prints
those files, prefixed by rank, then returns.

Several machines: run the launcher once, on the first, with --nnodes M and
--hosts h1,h2,... (or --hostfile): mpiexec starts M x nproc-per-node ranks
over ssh. torchrun runs one launcher per node instead; here other nodes'
launchers (--node-rank > 0) have nothing to do.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

_MARK = "\x1eTLR%r\x1f"
_ERROR_DIR = "TORCHLET_ERROR_DIR"  # _fault.ERROR_DIR (not imported: the launcher needs no MPI)


def mpiexec_path():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    exe = here if os.path.exists(here) else shutil.which("mpiexec") or shutil.which("mpirun")
    if exe is None:
        raise RuntimeError("no mpiexec found: pip install 'torchlet[distributed]' (mpi4py and the mpich wheel)")
    return exe


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m torchlet.distributed.run", description="Start a data-parallel job on MPI (torchrun's flags)."
    )
    p.add_argument(
        "--nproc-per-node",
        "--nproc_per_node",
        "--nproc",
        dest="nproc_per_node",
        default="1",
        help="ranks per node (a number, or 'cpu'/'auto' for the CPU count)",
    )
    p.add_argument("--nnodes", default="1", help="number of nodes (M or MIN:MAX; MAX is used)")
    p.add_argument("--node-rank", "--node_rank", dest="node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", dest="master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", dest="master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true", help="one node (the default here)")
    p.add_argument("--hosts", help="comma-separated hosts for mpiexec (several nodes)")
    p.add_argument("--hostfile", help="an mpiexec host file (several nodes)")
    p.add_argument(
        "--rdzv-backend", "--rdzv_backend", dest="rdzv_backend", help="accepted, unused: MPI does the rendezvous"
    )
    p.add_argument("--rdzv-endpoint", "--rdzv_endpoint", dest="rdzv_endpoint", help="accepted, unused")
    p.add_argument("--rdzv-id", "--rdzv_id", dest="rdzv_id", help="accepted, unused")
    p.add_argument(
        "--max-restarts",
        "--max_restarts",
        dest="max_restarts",
        type=int,
        default=0,
        help="accepted; a failed job is not restarted",
    )
    p.add_argument("--no-compat", action="store_true", help="run the program as is (it imports torchlet)")
    p.add_argument("--no-prefix", action="store_true", help="do not prefix output lines with [rankN]:")
    p.add_argument("-m", "--module", action="store_true", help="run the program as a module (python -m)")
    p.add_argument("program")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def _nproc(value):
    if value in ("cpu", "auto", "gpu"):
        return os.cpu_count() or 1
    return int(value)


def command(opts):
    """The mpiexec command line for parsed options."""
    per_node = _nproc(opts.nproc_per_node)
    nnodes = int(str(opts.nnodes).split(":")[-1])
    cmd = [mpiexec_path(), "-n", str(per_node * nnodes)]
    if nnodes > 1 or opts.hosts or opts.hostfile:
        if opts.hostfile:
            cmd += ["-f", opts.hostfile]
        elif opts.hosts:
            cmd += ["-hosts", opts.hosts]
        cmd += ["-ppn", str(per_node)]
    if not opts.no_prefix:
        cmd += ["-prepend-pattern", _MARK]
    cmd += [sys.executable, "-u", "-m", "torchlet.distributed._bootstrap", "--nproc-per-node", str(per_node)]
    if not opts.no_compat:
        cmd.append("--compat")
    cmd += ["--"] + (["-m"] if opts.module else []) + [opts.program] + list(opts.args)
    return cmd


class _Prefixer:
    """Splits mpiexec's stream, where every chunk a rank wrote starts with
    _MARK, into whole lines and writes each as '[rankN]: line'."""

    def __init__(self, out):
        self.out = out
        self.partial = {}
        self.rank = None

    def feed(self, text):
        start, end = _MARK.split("%r")
        pieces = text.split(start)
        self._add(self.rank, pieces[0])
        for piece in pieces[1:]:
            num, sep, rest = piece.partition(end)
            if sep and num.isdigit():
                self.rank = int(num)
                self._add(self.rank, rest)
            else:
                self._add(self.rank, start + piece)
        self.out.flush()

    def _add(self, rank, text):
        if not text:
            return
        buf = self.partial.get(rank, "") + text
        lines = buf.split("\n")
        self.partial[rank] = lines.pop()
        for line in lines:
            self.out.write(line + "\n" if rank is None else f"[rank{rank}]: {line}\n")

    def close(self):
        for rank, rest in self.partial.items():
            if rest:
                self.out.write(rest + "\n" if rank is None else f"[rank{rank}]: {rest}\n")
        self.partial = {}
        self.out.flush()


def _pump(stream, out):
    pre = _Prefixer(out)
    fd = stream.fileno()
    while True:
        data = os.read(fd, 65536)
        if not data:
            break
        pre.feed(data.decode("utf-8", "replace"))
    pre.close()


_DRAIN_S = 30.0  # after mpiexec ends: how long a process it left behind may hold the output pipes open


def _drain(threads):
    """Wait for every output pump to reach end of file (bounded by _DRAIN_S)."""
    until = time.monotonic() + _DRAIN_S
    for t in threads:
        t.join(max(0.0, until - time.monotonic()))


def _print_errors(folder, prefixed):
    """Print each failing rank's report (rank order), then remove the folder."""
    names = sorted(
        (n for n in os.listdir(folder) if n.startswith("rank") and n.endswith(".err")),
        key=lambda n: int(n[4:-4]) if n[4:-4].isdigit() else -1,
    )
    for name in names:
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if prefixed:
            text = "".join(f"[{name[:-4]}]: {line}\n" for line in text.splitlines())
        sys.stderr.write(text)
    sys.stderr.flush()
    shutil.rmtree(folder, ignore_errors=True)


def launch(opts, env=None):
    """Run the job; returns its exit status (a failed rank's code)."""
    if opts.node_rank > 0:
        print(
            f"node rank {opts.node_rank}: with MPI the launcher on node 0 starts every node's ranks "
            "(--hosts/--hostfile); nothing to do here",
            file=sys.stderr,
        )
        return 0
    env = dict(os.environ if env is None else env)
    env.update({"MASTER_ADDR": opts.master_addr, "MASTER_PORT": str(opts.master_port), "PYTHONUNBUFFERED": "1"})
    cmd = command(opts)
    errors = tempfile.mkdtemp(prefix="torchlet-run-errors-")
    env[_ERROR_DIR] = errors
    try:
        if opts.no_prefix:
            code = subprocess.call(cmd, env=env)
        else:
            code = _run_prefixed(cmd, env)
    finally:
        _print_errors(errors, prefixed=not opts.no_prefix)
    return code


def _run_prefixed(cmd, env):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    threads = [
        threading.Thread(target=_pump, args=(proc.stdout, sys.stdout), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, sys.stderr), daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        code = proc.wait()
    _drain(threads)
    return code


def main(argv=None):
    opts = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return launch(opts)
    except RuntimeError as e:
        print(f"torchlet.distributed.run: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
