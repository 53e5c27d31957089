"""Data-parallel scaling on this machine, and all-reduce bandwidth against raw mpi4py.

    python benchmarks/bench_distributed.py [--steps 6] [--json PATH]
    python benchmarks/bench_distributed.py --smoke     # CI: 1 step, 1 MB, checks only

Starts itself through mpiexec (1 thread per rank): LeNet and ResNet-18
training steps with 1 and 2 ranks at a fixed per-rank batch (weak scaling),
samples/s and efficiency = (2-rank samples/s) / (2 x 1-rank samples/s), ResNet-18
also with DDP(gradient_as_bucket_view=True) ("resnet18-view"); then
torchlet.distributed.all_reduce of 1-100 MB float32 buffers next to
mpi4py's own comm.Allreduce on the same buffer, timed alternately, medians
(ratio = ours/raw bandwidth). Every run also checks that the DDP replicas end
equal and that both all-reduces give the same values. Results go to
benchmarks/results_distributed.json (not in --smoke mode). Run it on a quiet
machine: the figures are meaningless while other jobs share the cores.
"""

import json
import os
import subprocess
import sys
import time

from suite import thread_env

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")


SIZES_MB = (1, 4, 16, 64, 100)


def _allreduce_rows(dist, comm, sizes, reps):
    """Median time of torchlet's all_reduce and of mpi4py's Allreduce on the same
    float32 buffer size, timed alternately; bandwidth = bytes / time."""
    import numpy as np
    import torchlet as torch
    from mpi4py import MPI

    rows = []
    for mb in sizes:
        count = mb * 1024 * 1024 // 4
        t = torch.ones(count)
        raw = np.ones(count, np.float32)
        calls = {
            "torchlet": lambda: dist.all_reduce(t),
            "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, raw, op=MPI.SUM),
        }
        times = {name: [] for name in calls}
        for rep in range(reps + 1):
            for name, fn in calls.items():
                comm.Barrier()
                start = time.perf_counter()
                fn()
                if rep:  # the first round warms up
                    times[name].append(time.perf_counter() - start)
        # both summed the same ones the same number of times: the same values
        if not np.array_equal(t.numpy(), raw):
            raise AssertionError(f"all_reduce of {mb} MB differs from mpi4py's")
        med = {name: float(np.median(v)) for name, v in times.items()}
        rows.append(
            {
                "MB": mb,
                "torchlet_GBps": mb / 1024 / med["torchlet"],
                "mpi4py_GBps": mb / 1024 / med["mpi4py"],
                "ratio": med["mpi4py"] / med["torchlet"],
            }
        )
    return rows


def _worker(kind, steps, smoke):
    import numpy as np
    import torchlet as torch
    import torchlet.distributed as dist
    from torchlet.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("gloo")
    n, r = dist.get_world_size(), dist.get_rank()
    if kind == "allreduce":
        comm = dist.GroupMember.WORLD._comm
        rows = _allreduce_rows(dist, comm, SIZES_MB[:1] if smoke else SIZES_MB, 1 if smoke else 5)
        if r == 0:
            print("RESULT " + json.dumps(rows), flush=True)
        return
    from torchlet.vision import models
    import torchlet.nn.functional as F

    torch.manual_seed(0)
    if kind == "lenet":
        from torchlet.cli.registry import build_model

        model, shape, batch = build_model("lenet", 10), (1, 28, 28), 64
    else:
        model, shape, batch = models.resnet18(num_classes=10), (3, 32, 32), 16
    net = DDP(model, gradient_as_bucket_view=kind.endswith("-view")) if n > 1 else model
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    w = next(iter(model.parameters())).detach().clone()
    gathered = [torch.zeros_like(w) for _ in range(n)]
    dist.all_gather(gathered, w)
    if not all(np.array_equal(g.numpy(), gathered[0].numpy()) for g in gathered):
        raise AssertionError(f"{kind}: the replicas' parameters differ after {steps + 1} DDP steps")
    if r == 0:
        print(
            "RESULT " + json.dumps({"samples_per_s": n * batch * steps / elapsed, "batch_per_rank": batch}), flush=True
        )


def _job(n, kind, steps, smoke=False):
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = thread_env(1, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [
            exe if os.path.exists(exe) else "mpiexec",
            "-n",
            str(n),
            sys.executable,
            os.path.abspath(__file__),
            "--worker",
            kind,
            str(steps),
        ]
        + (["--smoke"] if smoke else []),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{kind} on {n} ranks failed:\n{out.stdout}\n{out.stderr}")


def main(argv):
    smoke = "--smoke" in argv
    if argv[:1] == ["--worker"]:
        return _worker(argv[1], int(argv[2]), smoke)
    steps = 1 if smoke else int(argv[argv.index("--steps") + 1]) if "--steps" in argv else 6
    out = (
        argv[argv.index("--json") + 1]
        if "--json" in argv
        else (None if smoke else os.path.join(HERE, "results_distributed.json"))
    )
    results = {"models": {}, "allreduce": None}
    for kind in ("lenet", "resnet18", "resnet18-view"):
        if kind.endswith("-view"):
            one = results["models"]["resnet18"]["1 rank"]  # the same 1-rank program: no DDP there
        else:
            one = _job(1, kind, steps, smoke)["samples_per_s"]
        two = _job(2, kind, steps, smoke)["samples_per_s"]
        results["models"][kind] = {"1 rank": one, "2 ranks": two, "efficiency": two / (2 * one)}
        print(
            f"{kind:<13} 1 rank {one:8.1f} samples/s   2 ranks {two:8.1f} samples/s   efficiency {two / (2 * one):.2f}",
            flush=True,
        )
    rows = _job(2, "allreduce", 0, smoke)
    results["allreduce"] = rows
    for row in rows:
        print(
            f"all_reduce {row['MB']:>4} MB  torchlet {row['torchlet_GBps']:.2f} GB/s  mpi4py "
            f"{row['mpi4py_GBps']:.2f} GB/s  ratio {row['ratio']:.2f}",
            flush=True,
        )
    if smoke:
        print("smoke run: correctness only, the figures above mean nothing", flush=True)
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
