"""Atomic file writes: nothing half-written is ever left at the target path."""

import contextlib
import os
import tempfile

__all__ = ["atomic_open"]


@contextlib.contextmanager
def atomic_open(path):
    """Yield a binary file in the target's folder; on success it is flushed,
    fsynced and renamed over `path`; on any error (or Ctrl-C) it is removed
    and the previous file at `path`, if any, is left untouched."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
