"""mp.spawn workers that join a process group themselves (the DDP tutorial's
multigpu.py pattern), and a rank that exits with status 0 while another waits
for it in a collective: the job ends with an error within seconds."""

import os
import shutil
import sys
import time

import pytest

from mpi_jobs import HERE, mpiexec, run


def test_spawned_workers_init_a_two_rank_world(tmp_path):
    mpiexec()
    for name in ("ddp_series_spawn.py", "ddp_series_datautils.py"):
        shutil.copy(os.path.join(HERE, name), tmp_path)
    p = run(
        [sys.executable, "-m", "torchlet.compat", "ddp_series_spawn.py", "2", "1", "--batch_size", "16"],
        timeout=180,
        cwd=str(tmp_path),
    )
    assert p.returncode == 0, p.stdout + p.stderr
    for r in range(2):
        assert f"[CPU{r}] Epoch 1 | Batchsize: 16 | Steps: 8" in p.stdout
        assert f"rank {r} of 2 done, replicas equal" in p.stdout
    assert p.stdout.count("Training checkpoint saved at checkpoint.pt") == 2  # rank 0 only, epochs 0 and 1
    import torch

    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)  # readable by PyTorch itself
    assert sorted(state) == ["bias", "weight"] and tuple(state["weight"].shape) == (1, 20)


def _spawn_fail(rank, world_size):
    import torchlet.distributed as dist

    os.environ["MASTER_ADDR"] = "localhost"
    os.environ["MASTER_PORT"] = "12356"
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    if rank == 1:
        raise ValueError("worker 1 fails inside the world")
    import torchlet

    dist.all_reduce(torchlet.ones(1))  # rank 0 waits for rank 1, which is gone


def test_a_raising_spawned_rank_ends_the_world_and_raises_in_the_parent():
    mpiexec()
    import torchlet.multiprocessing as mp

    start = time.time()
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.spawn(_spawn_fail, args=(2,), nprocs=2)
    assert time.time() - start < 60
    assert e.value.error_index == 1 and "ValueError: worker 1 fails inside the world" in str(e.value)


@pytest.mark.parametrize("how", ["exit0", "return", "destroy"])
@pytest.mark.parametrize("launcher", ["mpiexec", "torchlet run"])
def test_a_rank_exiting_0_while_another_waits_ends_the_job(how, launcher):
    prog = os.path.join(HERE, "prog_leave.py")
    argv = (
        [mpiexec(), "-n", "2", sys.executable, "-m", "torchlet.compat", prog, how]
        if launcher == "mpiexec"
        else [sys.executable, "-m", "torchlet.distributed.run", "--nproc-per-node", "2", prog, how]
    )
    if launcher != "mpiexec":
        mpiexec()
    start = time.time()
    p = run(argv, timeout=90)
    assert p.returncode == 1, p.stdout + p.stderr
    assert time.time() - start < 45  # not a hang: the watchdog's grace is 2 s (load-tolerant bound)
    assert "rank 0 waits in all_reduce() for rank(s) 1, which exited without joining it" in p.stderr
    assert "rank 0 was not stopped" not in p.stdout


def test_a_rank_leaving_early_does_not_end_a_healthy_job():
    p = run(
        [mpiexec(), "-n", "2", sys.executable, "-m", "torchlet.compat", os.path.join(HERE, "prog_leave.py"), "ok"],
        timeout=90,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "rank 0 finished alone [2.0, 2.0]" in p.stdout


def test_bench_distributed_smoke_mode(tmp_path):
    """The scaling benchmark's CI mode: 1 step per model on 1 and 2 ranks, ours and PyTorch's DDP, a 1 MB
    all-reduce against mpi4py's and gloo's; it checks that DDP replicas end equal and that both all-reduces agree (no timings)."""
    mpiexec()
    script = os.path.join(os.path.dirname(os.path.dirname(HERE)), "benchmarks", "bench_distributed.py")
    out = tmp_path / "r.json"
    p = run([sys.executable, script, "--smoke", "--json", str(out)], timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    import json

    data = json.loads(out.read_text())
    assert set(data["models"]) == {"lenet", "resnet18", "resnet18-view"}
    for kind, row in data["models"].items():
        for lib in ("torchlet",) if kind.endswith("-view") else ("torchlet", "torch"):  # torch: PyTorch's DDP
            one, two = row[f"{lib} 1 rank"]["samples_per_s"], row[f"{lib} 2 ranks"]["samples_per_s"]
            assert one > 0 and two > 0
            assert row[f"{lib} efficiency"] == two / (2 * one)
    (row,) = data["allreduce"]
    assert row["MB"] == 1 and row["torchlet_GBps"] > 0 and row["mpi4py_GBps"] > 0 and row["torch_gloo_GBps"] > 0
    tables = run([sys.executable, script, "--tables", str(out)], timeout=60)
    assert tables.returncode == 0, tables.stderr
    assert "| resnet18 |" in tables.stdout and "| torchlet / raw mpi4py |" in tables.stdout
