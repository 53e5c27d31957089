"""A rank that fails must not leave the others waiting in a collective forever:
an uncaught exception prints its traceback and aborts the whole MPI job
(MPI_Abort), and destroy_process_group runs at exit."""
import atexit
import sys
import threading

_installed = [False]


def abort(code=1):
    """Print nothing more; end every rank of the job with `code`."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    from mpi4py import MPI
    MPI.COMM_WORLD.Abort(code)


def _excepthook(tp, value, tb, _previous=sys.excepthook):
    _previous(tp, value, tb)
    from . import _state
    if _state.GroupMember.WORLD is not None and _state.GroupMember.WORLD.size() > 1:
        abort(1)


def _thread_hook(args):
    if args.exc_type is SystemExit:
        return
    import traceback
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)
    from . import _state
    if _state.GroupMember.WORLD is not None and _state.GroupMember.WORLD.size() > 1:
        abort(1)


def _at_exit():
    from . import _state
    _state.destroy_process_group()


def install():
    if _installed[0]:
        return
    _installed[0] = True
    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook
    atexit.register(_at_exit)
