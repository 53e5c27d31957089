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
