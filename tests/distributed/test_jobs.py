"""Real multi-process jobs through mpiexec (2 ranks, 3 where odd sizes matter)."""

import pytest

from mpi_jobs import run_job


def _ok(proc, n, word):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for r in range(n):
        assert f"{word} ok rank {r}/{n}" in out, out


@pytest.mark.parametrize("n", [1, 2, 3])
def test_collectives_against_numpy(n):
    _ok(run_job("job_collectives.py", n), n, "collectives")


@pytest.mark.parametrize("n", [2, 3])
def test_ddp_matches_one_process_on_the_full_batch(n):
    _ok(run_job("job_ddp.py", n), n, "ddp")


def test_a_raising_rank_aborts_a_plain_mpiexec_job():
    import time

    start = time.time()
    p = run_job("job_raise.py", 2)
    assert p.returncode != 0
    assert time.time() - start < 60  # no hang (bound tolerant of a loaded machine)
    assert "KeyError: 'rank 1 raises'" in p.stderr and "never get here" not in p.stdout


def test_import_does_not_load_mpi4py():
    import subprocess
    import sys
    from mpi_jobs import env

    code = (
        "import sys, torchlet, torchlet.distributed, torchlet.nn.parallel, torchlet.multiprocessing; "
        "import torchlet.nn as nn; nn.SyncBatchNorm(2); "
        "assert 'mpi4py' not in sys.modules, 'mpi4py imported'; "
        "import torchlet.distributed as d; assert d.is_available() and not d.is_initialized(); "
        "assert d.get_default_backend_for_device('cpu') == 'gloo'"
    )
    p = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_errors_before_init_match_torch():
    import torch
    import torchlet

    for lib in (torch.distributed, torchlet.distributed):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            lib.get_world_size()
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            lib.all_reduce(lib is torch.distributed and torch.ones(1) or torchlet.ones(1))
        assert not lib.is_initialized()
    with pytest.raises(RuntimeError):
        torchlet.distributed.init_process_group("nccl")
