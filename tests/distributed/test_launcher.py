"""The launcher (torchlet run --nproc, python -m torchlet.distributed.run),
failing ranks, the DDP tutorial-series program and `torchlet train --nproc`."""

import os
import shutil
import sys
import time

import pytest

from mpi_jobs import HERE, mpiexec, run


def _launch(*argv, cwd_files=(), timeout=120, tmp=None):
    mpiexec()
    return run([sys.executable, "-m", "torchlet.cli", "run", *argv], timeout=timeout)


def test_ok_output_is_prefixed_by_rank():
    p = _launch("--nproc", "2", os.path.join(HERE, "prog_fail.py"), "ok")
    assert p.returncode == 0, p.stdout + p.stderr
    for r in range(2):
        assert f"[rank{r}]: hello from rank {r} of 2 local {r}" in p.stdout
        assert f"[rank{r}]: rank {r} sum [2.0, 2.0, 2.0]" in p.stdout


@pytest.mark.parametrize("how,code", [("raise", 1), ("exit", 4), ("kill", 9)])
def test_a_failing_rank_ends_the_job(how, code):
    start = time.time()
    p = run(
        [
            sys.executable,
            "-m",
            "torchlet.distributed.run",
            "--nproc-per-node",
            "2",
            os.path.join(HERE, "prog_fail.py"),
            how,
        ],
        timeout=120,
    )
    assert p.returncode == code, p.stdout + p.stderr
    assert time.time() - start < 60  # not a hang: mpiexec ends every rank (load-tolerant bound)
    if how == "raise":
        assert "[rank1]: ValueError: rank 1 fails on purpose" in p.stderr
        assert "[rank1]: Traceback (most recent call last):" in p.stderr
    assert "rank 0 sum" not in p.stdout


def test_a_long_traceback_reaches_the_launcher_whole():
    """The failing rank leaves its traceback in an error file before MPI_Abort kills mpiexec's
    output forwarders; the launcher prints it, prefixed, once the pipes are drained."""
    mpiexec()
    p = run(
        [sys.executable, "-m", "torchlet.distributed.run", "--nproc-per-node", "2", "prog_fail.py", "raise-long"],
        timeout=120,
    )
    assert p.returncode == 1, p.stdout + p.stderr[-2000:]
    assert "[rank1]: ValueError: rank 1 fails at length " + "x" * 200_000 + " end\n" in p.stderr
    assert p.stderr.count("[rank1]: Traceback (most recent call last):") == 1


def test_ddp_tutorial_series_program_runs_and_resumes(tmp_path):
    for name in ("ddp_series_torchrun.py", "ddp_series_datautils.py"):
        shutil.copy(os.path.join(HERE, name), tmp_path)
    argv = [
        sys.executable,
        "-m",
        "torchlet.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(tmp_path / "ddp_series_torchrun.py"),
    ]
    p = run(argv + ["2", "1", "--batch_size", "16"], timeout=180, cwd=str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    for r in range(2):
        assert f"[rank{r}]: [CPU{r}] Epoch 1 | Batchsize: 16 | Steps: 8" in p.stdout
        assert f"[rank{r}]: rank {r} done, replicas equal" in p.stdout
    assert "[rank0]: Epoch 1 | Training snapshot saved at snapshot.pt" in p.stdout
    assert "[rank1]: Epoch" not in p.stdout.replace("[rank1]: [CPU1] Epoch", "")
    p = run(argv + ["3", "1", "--batch_size", "16"], timeout=180, cwd=str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "[rank1]: Resuming training from snapshot at Epoch 1" in p.stdout
    assert "[rank0]: [CPU0] Epoch 2 | Batchsize: 16" in p.stdout and "Epoch 0 |" not in p.stdout


def test_train_nproc_2_then_resume_with_1(tmp_path):
    mpiexec()
    common = [
        sys.executable,
        "-m",
        "torchlet.cli",
        "train",
        "--batch-size",
        "32",
        "--checkpoint-dir",
        str(tmp_path / "ck"),
    ]
    p = run(common + ["--nproc", "2", "--epochs", "1"], timeout=300, cwd=str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "on 2 ranks" in p.stdout and "[rank0]: epoch 1/1" in p.stdout and "[rank1]: epoch" not in p.stdout
    assert sorted(os.listdir(tmp_path / "ck")) == ["best.pt", "last.pt"]
    p = run(
        common + ["--nproc", "1", "--epochs", "2", "--resume", str(tmp_path / "ck" / "last.pt")],
        timeout=300,
        cwd=str(tmp_path),
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "(epoch 1)" in p.stdout and "epoch 2/2" in p.stdout
