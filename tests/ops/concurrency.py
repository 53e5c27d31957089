"""Running a piece of a test on several Python threads, or in a forked child (the oneDNN paths:
primitives kept per thread, an OpenMP pool a forked child does not have)."""

import multiprocessing
import threading

import pytest


def run_on_threads(work, n):
    """work(i) for i in range(n), each on its own thread, all started before any is joined."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def in_forked_child(target, *args):
    """What target(queue, *args), run in a forked child, put on the queue; fails the test when the
    child hangs (60 s) or exits with an error."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(q, *args))
    p.start()
    p.join(60)
    if p.exitcode is None:
        p.kill()
        pytest.fail("the forked child hung in oneDNN")
    assert p.exitcode == 0
    return q.get(timeout=5)
