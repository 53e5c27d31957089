"""A rank that fails must not leave the others waiting in a collective forever:
an uncaught exception prints its traceback and aborts the whole MPI job
(MPI_Abort), and destroy_process_group runs at exit.

A rank that simply ends (exit status 0) while the others still wait for it in
a collective would hang the job under mpiexec: nothing failed. So every rank
that leaves sends a note to the others on a private communicator, and each
rank runs a watchdog thread that looks for such notes (MPI_Iprobe, five times
a second: no cost on the collectives' path). Once a peer has left, the
watchdog looks at the main thread's stack; if it stays in the same call of
torchlet.distributed (a collective, Work.wait) for GRACE seconds, the peer
it waits for is gone: the watchdog prints which rank left and aborts the job
with status 1. Ranks that never call a collective again finish normally.

Aborting kills every process of the job, the MPI process manager's forwarders
of stdout/stderr included, so text a rank wrote just before MPI_Abort can be
lost or cut (a traceback ending in "ValueError" without its message). So a
failing rank's last words (its traceback, the watchdog's note) are written
whole before the abort: under the launcher, to a file of its own in
TORCHLET_ERROR_DIR, which the launcher prints after the job has ended (as
torchrun's error files); elsewhere, to stderr in a single write.
"""

import atexit
import os
import sys
import threading
import time

_installed = [False]
_bootstrapped = [False]  # a rank started by _bootstrap: its failure ends the job even before it joins
GRACE = 2.0  # seconds a rank may stay in one collective after a peer has left
# mpiexec's proxy forwards a rank's stderr from a pipe, and an abort kills the proxy: without a pause
# before MPI_Abort, the last words written to stderr were lost in 1 run of 6 (test_spawn_and_exit)
FORWARD_WAIT = 0.5
_NOTE_TAG = 0x7E1  # on the private communicator only
_HERE = os.path.dirname(os.path.abspath(__file__))


ERROR_DIR = "TORCHLET_ERROR_DIR"  # set by the launcher (run.py): where failing ranks leave their tracebacks


def _rank():
    for name in ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID"):
        if name in os.environ:
            return int(os.environ[name])
    return 0


def report(text):
    """Leave `text` where it survives an abort: appended to this rank's error
    file under the launcher (written atomically), else on stderr in one write.
    True when it went to stderr."""
    text = text if text.endswith("\n") else text + "\n"
    folder = os.environ.get(ERROR_DIR)
    if folder and os.path.isdir(folder):  # not on another node: the folder is the launcher's
        from .._atomic import atomic_open

        path = os.path.join(folder, f"rank{_rank()}.err")
        try:
            before = open(path, "rb").read() if os.path.exists(path) else b""
            with atomic_open(path) as fh:
                fh.write(before + text.encode("utf-8", "replace"))
            return False
        except OSError:
            pass
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass
    return True


def abort(code=1, message=None):
    """End every rank of the job with `code`, after leaving `message` (whole)
    where the launcher finds it."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    if message and report(message):
        time.sleep(FORWARD_WAIT)
    from mpi4py import MPI

    MPI.COMM_WORLD.Abort(code)


def _joined():
    from . import _state

    return _state.GroupMember.WORLD is not None and _state.GroupMember.WORLD.size() > 1


def abort_if_joined(code):
    """End the job when this process is a rank of a multi-rank world (a failing rank)."""
    if _joined():
        abort(code)


def _excepthook(tp, value, tb, _previous=sys.excepthook):
    """A rank of a joined world (or one started by _bootstrap) reports its
    traceback whole, then a joined one aborts the job; others print as usual."""
    if not (_joined() or _bootstrapped[0]):
        return _previous(tp, value, tb)
    import traceback

    text = "".join(traceback.format_exception(tp, value, tb))
    if _joined():
        abort(1, text)
    else:
        report(text)


def _thread_hook(args):
    if args.exc_type is SystemExit:
        return
    import traceback

    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    if args.thread is not None:
        text = f"Exception in thread {args.thread.name}:\n{text}"
    if _joined():
        abort(1, text)
    else:
        sys.stderr.write(text)


class _Watch:
    """The notes channel (a duplicate of the world communicator) and its watchdog thread."""

    def __init__(self, comm, ranks):
        self.comm = comm.Dup()
        self.ranks = list(ranks)  # global rank of each rank of comm
        self.left = {}  # global rank -> when its note arrived
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="torchlet-distributed-watchdog", daemon=True)
        self.thread.start()

    def _receive(self):
        from mpi4py import MPI
        import numpy as np

        status = MPI.Status()
        while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_NOTE_TAG, status=status):
            buf = np.zeros(1, np.int64)
            self.comm.Recv(buf, source=status.Get_source(), tag=_NOTE_TAG)
            self.left.setdefault(self.ranks[status.Get_source()], time.monotonic())

    def _loop(self):
        main = threading.main_thread().ident
        seen = None  # (frame, instruction, since)
        while not self.stop.wait(0.2):
            try:
                self._receive()
            except Exception:
                return  # MPI is shutting down
            if not self.left:
                continue
            frame, name = _waiting_frame(sys._current_frames().get(main), self.left)
            if frame is None:
                seen = None
                continue
            if seen is None or seen[0] is not frame or seen[1] != frame.f_lasti:
                seen = (frame, frame.f_lasti, time.monotonic())
                continue
            if time.monotonic() - seen[2] >= GRACE:
                me = self.ranks[self.comm.Get_rank()]
                gone = ", ".join(str(r) for r in sorted(self.left))
                abort(
                    1,
                    f"torchlet.distributed: rank {me} waits in {name}() for rank(s) {gone}, "
                    "which exited without joining it; ending the job",
                )

    def leave(self):
        """Tell every other rank that this one is exiting; stop the watchdog."""
        self.stop.set()
        self.thread.join(2)
        import numpy as np
        from mpi4py import MPI

        me = self.comm.Get_rank()
        note = np.zeros(1, np.int64)
        reqs = [self.comm.Isend(note, dest=r, tag=_NOTE_TAG) for r in range(self.comm.Get_size()) if r != me]
        MPI.Request.Waitall(reqs)


def _waiting_frame(frame, left):
    """(the innermost frame of torchlet.distributed's collectives on the main
    thread's stack, the name of the call the program made into them), or
    (None, None) when there is none or it is a collective on a group without
    the ranks that left."""
    inner = name = None
    while frame is not None:
        path = frame.f_code.co_filename
        ours = os.path.dirname(os.path.abspath(path)) == _HERE and not path.endswith(
            ("_fault.py", "_bootstrap.py", "run.py")
        )
        if ours:
            g = frame.f_locals.get("g")
            ranks = getattr(g, "_ranks", None)
            if ranks is not None and not any(r in ranks for r in left):
                return None, None
            inner = inner or frame
            name = frame.f_code.co_name
        elif inner is not None:
            break
        frame = frame.f_back
    return inner, name


_watch = [None]


def watch(comm, ranks):
    """Start the exit notes and the watchdog for a world of more than one rank."""
    from mpi4py import MPI

    if comm.Get_size() < 2 or MPI.Query_thread() < MPI.THREAD_MULTIPLE:
        return
    old = _watch[0]
    if old is not None:
        old.stop.set()
        old.thread.join(2)
    _watch[0] = _Watch(comm, ranks)


def _at_exit():
    from . import _state

    _state.destroy_process_group()
    w, _watch[0] = _watch[0], None
    if w is not None:
        try:
            w.leave()
        except Exception:
            pass


def install():
    if _installed[0]:
        return
    _installed[0] = True
    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook
    atexit.register(_at_exit)
