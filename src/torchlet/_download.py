"""Streaming a URL into a file: chunked reads, a tqdm progress bar, a running hash, and an
atomic write (a temporary file next to the target, renamed into place only when the
download is complete and verified, so an error or Ctrl-C never leaves a half-written file).
Shared by torchlet.hub and the dataset downloads."""

import contextlib
import os
import tempfile
import urllib.request

CHUNK = 1 << 15


@contextlib.contextmanager
def atomic_path(fpath, make_tmp=None):
    """Yields a temporary path next to `fpath`; renamed onto `fpath` on success, removed otherwise.
    `make_tmp(fpath)` may choose the temporary name (it must create the file)."""
    if make_tmp is None:
        directory = os.path.dirname(os.path.abspath(fpath))
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(fpath) + ".", suffix=".part", dir=directory)
        os.close(fd)
    else:
        tmp = make_tmp(fpath)
    try:
        yield tmp
        os.replace(tmp, fpath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def stream(url, fh, *, user_agent, hasher=None, progress=True, desc=None, unit_divisor=1000, leave=True, timeout=None):
    """Writes the body of `url` to the binary file `fh`, feeding `hasher`; returns
    (bytes received, Content-Length or None). Network errors propagate unchanged."""
    from tqdm.auto import tqdm

    req = urllib.request.Request(url, headers={"User-Agent": user_agent})
    kwargs = {} if timeout is None else {"timeout": timeout}
    with urllib.request.urlopen(req, **kwargs) as response:
        length = response.info().get_all("Content-Length")
        total = int(length[0]) if length else None
        got = 0
        with tqdm(
            total=total,
            disable=not progress,
            unit="B",
            unit_scale=True,
            unit_divisor=unit_divisor,
            desc=desc,
            leave=leave,
        ) as bar:
            while chunk := response.read(CHUNK):
                fh.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                got += len(chunk)
                bar.update(len(chunk))
    return got, total
