"""Data-parallel scaling on this machine, next to PyTorch's own DDP, and
all-reduce bandwidth against raw mpi4py.

    python benchmarks/bench_distributed.py [--steps N] [--repeats 5] [--no-torch] [--json PATH]
    python benchmarks/bench_distributed.py --smoke     # CI: 1 step, 1 MB, checks only
    python benchmarks/bench_distributed.py --profile DIR [--no-torch]   # + cProfile of each rank
    python benchmarks/bench_distributed.py --tables RESULTS.json       # the README's tables

Every job starts through mpiexec with each rank bound to its own core
(`-bind-to core`, 1 thread per rank). LeNet and ResNet-18 training steps with 1
and 2 ranks at a fixed per-rank batch (weak scaling): after warm-up steps each
job times `repeats` windows of `steps` steps; samples/s is the median window
and the spread (max - min) / median is reported beside it. Efficiency =
(2-rank samples/s) / (2 x 1-rank samples/s); "extra ms/step" is how much longer a
2-rank step takes than a 1-rank step (communication, copies, shared memory bandwidth),
the figure to compare across frameworks whose compute differs. ResNet-18 also runs with
DDP(gradient_as_bucket_view=True) ("resnet18-view"). The reference rows run
the same models, batches and steps in PyTorch with DDP on gloo (2 ranks x 1
thread): the ceiling this hardware allows. Jobs alternate ours / PyTorch.

Then torchlet.distributed.all_reduce of 1-100 MB float32 buffers next to
mpi4py's own comm.Allreduce on the same buffer size, timed alternately in
loops of several calls, medians over repeats (ratio = ours/raw bandwidth), and
PyTorch's gloo all_reduce of the same sizes (its own job) as a reference.

Every run checks that the DDP replicas end equal and that both all-reduces
give the same values. Results go to benchmarks/results_distributed.json (not
in --smoke mode). Run it on a quiet machine: the figures are meaningless while
other jobs share the cores.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time

from suite import thread_env

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")

SIZES_MB = (1, 4, 16, 64, 100)
STEPS = {"lenet": 40, "resnet18": 8, "resnet18-view": 8}  # steps per timed window (about 1-2 s)
BATCH = {"lenet": 64, "resnet18": 16, "resnet18-view": 16}  # per rank
WARMUP = 3


def _loop_calls(mb):
    """Calls per timed loop of the all-reduce bench: about 16 MB moved per loop."""
    return max(1, 16 // mb)


def _allreduce_rows(reduce_ours, reduce_raw, barrier, sizes, reps, make):
    """Median seconds per call of `reduce_ours` and `reduce_raw` (None: ours only)
    on buffers of each size, timed alternately in loops; bandwidth = bytes / time."""
    rows = []
    for mb in sizes:
        count = mb * 1024 * 1024 // 4
        bufs = make(count)
        calls = {"ours": reduce_ours, "raw": reduce_raw} if reduce_raw else {"ours": reduce_ours}
        k = _loop_calls(mb)
        times = {name: [] for name in calls}
        for rep in range(reps + 1):
            for name, fn in calls.items():
                barrier()
                start = time.perf_counter()
                for _ in range(k):
                    fn(bufs[name])
                if rep:  # the first round warms up
                    times[name].append((time.perf_counter() - start) / k)
        rows.append((mb, bufs, {name: (statistics.median(v), min(v), max(v)) for name, v in times.items()}))
    return rows


def _torchlet_allreduce(sizes, reps):
    import numpy as np
    import torchlet as torch
    import torchlet.distributed as dist
    from mpi4py import MPI

    dist.init_process_group("gloo")
    comm = dist.GroupMember.WORLD._comm
    rows = _allreduce_rows(
        lambda t: dist.all_reduce(t),
        lambda a: comm.Allreduce(MPI.IN_PLACE, a, op=MPI.SUM),
        comm.Barrier,
        sizes,
        reps,
        lambda n: {"ours": torch.ones(n), "raw": np.ones(n, np.float32)},
    )
    check_s = _check_seconds(dist, comm, rows[0][1]["ours"])
    out = []
    for mb, bufs, t in rows:
        # both summed the same ones the same number of times: the same values
        if not np.array_equal(bufs["ours"].numpy(), bufs["raw"]):
            raise AssertionError(f"all_reduce of {mb} MB differs from mpi4py's")
        (ours, o_lo, o_hi), (raw, r_lo, r_hi) = t["ours"], t["raw"]
        out.append(
            {
                "MB": mb,
                "torchlet_GBps": mb / 1024 / ours,
                "mpi4py_GBps": mb / 1024 / raw,
                "ratio": raw / ours,
                "torchlet_spread": (o_hi - o_lo) / ours,
                "mpi4py_spread": (r_hi - r_lo) / raw,
                "shape_check_us": check_s * 1e6,
            }
        )
    return out


def _check_seconds(dist, comm, t, calls=2000):
    """Median seconds of all_reduce's shape check alone (the 16-byte all-reduce before the data)."""
    from torchlet.distributed._collectives import _check

    g = dist.GroupMember.WORLD
    times = []
    for _ in range(5):
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(calls):
            _check(g, "all_reduce", t)
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def _torch_allreduce(sizes, reps):
    import torch
    import torch.distributed as dist

    _torch_init()
    rows = _allreduce_rows(
        lambda t: dist.all_reduce(t), None, dist.barrier, sizes, reps, lambda n: {"ours": torch.ones(n)}
    )
    return [{"MB": mb, "torch_gloo_GBps": mb / 1024 / t["ours"][0]} for mb, _, t in rows]


def _torch_init():
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{os.environ['BENCH_PORT']}",
        rank=int(os.environ["PMI_RANK"]),
        world_size=int(os.environ["PMI_SIZE"]),
    )


def _torch_model(kind):
    import torch.nn as nn

    if kind == "lenet":  # torchlet's build_model("lenet"): conv 5x5, ReLU, max-pool
        return nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(256, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    import torchvision

    return torchvision.models.resnet18(num_classes=10)


def _train(lib, kind, steps, repeats, profile):
    """Samples/s of each timed window on rank 0 (None elsewhere)."""
    if lib == "torch":
        import torch
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP

        _torch_init()
        torch.manual_seed(0)
        model = _torch_model(kind)
    else:
        import torchlet as torch
        import torchlet.distributed as dist
        from torchlet.nn.parallel import DistributedDataParallel as DDP
        from torchlet.vision import models

        dist.init_process_group("gloo")
        torch.manual_seed(0)
        if kind == "lenet":
            from torchlet.cli.registry import build_model

            model = build_model("lenet", 10)
        else:
            model = models.resnet18(num_classes=10)
    n, r = dist.get_world_size(), dist.get_rank()
    shape = (1, 28, 28) if kind == "lenet" else (3, 32, 32)
    batch = BATCH[kind]
    net = DDP(model, gradient_as_bucket_view=kind.endswith("-view")) if n > 1 else model
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    loss_fn = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()

    for _ in range(WARMUP):
        step()
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    rates = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        if prof:
            prof.enable()
        for _ in range(steps):
            step()
        if prof:
            prof.disable()
        dist.barrier()
        rates.append(n * batch * steps / (time.perf_counter() - start))
    if prof:
        prof.dump_stats(os.path.join(profile, f"{lib}-{kind}-{n}ranks-rank{r}.prof"))
    if lib == "torchlet":
        import numpy as np

        w = next(iter(model.parameters())).detach().clone()
        gathered = [torch.zeros_like(w) for _ in range(n)]
        dist.all_gather(gathered, w)
        if not all(np.array_equal(g.numpy(), gathered[0].numpy()) for g in gathered):
            raise AssertionError(f"{kind}: the replicas' parameters differ after DDP steps")
    return rates if r == 0 else None


def _worker(lib, kind, steps, repeats, smoke, profile):
    if kind == "allreduce":
        sizes, reps = (SIZES_MB[:1], 1) if smoke else (SIZES_MB, repeats)
        result = (_torch_allreduce if lib == "torch" else _torchlet_allreduce)(sizes, reps)
        rank = int(os.environ.get("PMI_RANK", "0"))
    else:
        result = _train(lib, kind, steps, repeats, profile)
        rank = 0 if result is not None else 1
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _job(n, lib, kind, steps, repeats, smoke=False, profile=None):
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = thread_env(1, BENCH_PORT=str(_free_port()), PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    argv = [exe if os.path.exists(exe) else "mpiexec", "-bind-to", "core", "-n", str(n), sys.executable]
    argv += [os.path.abspath(__file__), "--worker", lib, kind, str(steps), str(repeats)]
    argv += (["--smoke"] if smoke else []) + (["--profile", profile] if profile else [])
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{lib} {kind} on {n} ranks failed:\n{out.stdout}\n{out.stderr}")


def _summary(rates):
    med = statistics.median(rates)
    return {"samples_per_s": med, "spread": (max(rates) - min(rates)) / med, "windows": rates}


def _tables(results):
    """The README's Markdown tables from one results file."""

    def cell(x):
        return f"{x['samples_per_s']:.1f} (±{x['spread'] / 2:.0%})"

    lines = [
        "| model | torchlet 1 rank | torchlet 2 ranks | torchlet efficiency | PyTorch 1 rank | PyTorch 2 ranks "
        "| PyTorch efficiency | extra ms/step torchlet / PyTorch |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, row in results["models"].items():
        ours = f"{cell(row['torchlet 1 rank'])} | {cell(row['torchlet 2 ranks'])} | {row['torchlet efficiency']:.2f}"
        extra = f"{row['torchlet 2-rank extra ms/step']:.0f} / "
        if "torch 1 rank" in row:
            ref = f"{cell(row['torch 1 rank'])} | {cell(row['torch 2 ranks'])} | {row['torch efficiency']:.2f}"
            extra += f"{row['torch 2-rank extra ms/step']:.0f}"
        else:
            ref, extra = "- | - | -", extra + "-"
        lines.append(f"| {kind} | {ours} | {ref} | {extra} |")
    rows = results["allreduce"]
    lines += ["", "| all-reduce | " + " | ".join(f"{r['MB']} MB" for r in rows) + " |"]
    lines.append("| --- |" + " --- |" * len(rows))
    lines.append("| torchlet / raw mpi4py | " + " | ".join(f"{r['ratio']:.2f}" for r in rows) + " |")
    lines.append("| torchlet GB/s | " + " | ".join(f"{r['torchlet_GBps']:.2f}" for r in rows) + " |")
    if all("torch_gloo_GBps" in r for r in rows):
        lines.append("| PyTorch gloo GB/s | " + " | ".join(f"{r['torch_gloo_GBps']:.2f}" for r in rows) + " |")
    lines.append(f"\nshape check {rows[0]['shape_check_us']:.1f} us per call")
    return "\n".join(lines)


def _arg(argv, name, default):
    return type(default)(argv[argv.index(name) + 1]) if name in argv else default


def main(argv):
    smoke = "--smoke" in argv
    profile = _arg(argv, "--profile", "") or None
    if argv[:1] == ["--worker"]:
        return _worker(argv[1], argv[2], int(argv[3]), int(argv[4]), smoke, profile)
    if "--tables" in argv:  # python benchmarks/bench_distributed.py --tables results_distributed.json
        with open(_arg(argv, "--tables", "")) as f:
            print(_tables(json.load(f)))
        return 0
    if profile:
        os.makedirs(profile, exist_ok=True)
    repeats = 1 if smoke else _arg(argv, "--repeats", 5)
    libs = ("torchlet",) if "--no-torch" in argv else ("torchlet", "torch")
    out = _arg(argv, "--json", "") or (None if smoke else os.path.join(HERE, "results_distributed.json"))
    results = {"models": {}, "allreduce": None, "repeats": repeats}
    for kind in ("lenet", "resnet18", "resnet18-view"):
        steps = 1 if smoke else _arg(argv, "--steps", STEPS[kind])
        row = {"steps": steps, "batch_per_rank": BATCH[kind]}
        for lib in libs if not kind.endswith("-view") else ("torchlet",):
            for n in (1, 2):
                if n == 1 and kind.endswith("-view"):  # the same 1-rank program: no DDP there
                    row[f"{lib} 1 rank"] = results["models"]["resnet18"][f"{lib} 1 rank"]
                    continue
                row[f"{lib} {n} rank{'s' if n > 1 else ''}"] = _summary(
                    _job(n, lib, kind, steps, repeats, smoke, profile)
                )
        for lib in libs if not kind.endswith("-view") else ("torchlet",):
            one, two = row[f"{lib} 1 rank"], row[f"{lib} 2 ranks"]
            eff = row[f"{lib} efficiency"] = two["samples_per_s"] / (2 * one["samples_per_s"])
            # what a 2-rank step costs beyond a 1-rank step of the same per-rank batch: comparable across
            # frameworks whose compute differs (a slower step hides the same communication better)
            extra = row[f"{lib} 2-rank extra ms/step"] = (
                1000 * BATCH[kind] * (2 / two["samples_per_s"] - 1 / one["samples_per_s"])
            )
            print(
                f"{kind:<13} {lib:<8} 1 rank {one['samples_per_s']:8.1f} samples/s (spread {one['spread']:4.0%})   "
                f"2 ranks {two['samples_per_s']:8.1f} samples/s (spread {two['spread']:4.0%})   efficiency {eff:.2f}"
                f"   step {1000 * BATCH[kind] / one['samples_per_s']:.0f} ms + {extra:.0f} ms with 2 ranks",
                flush=True,
            )
        results["models"][kind] = row
    rows = _job(2, "torchlet", "allreduce", 0, 7, smoke)
    if "torch" in libs:
        for row, ref in zip(rows, _job(2, "torch", "allreduce", 0, 7, smoke)):
            row["torch_gloo_GBps"] = ref["torch_gloo_GBps"]
    results["allreduce"] = rows
    for row in rows:
        ref = f"  (torch gloo {row['torch_gloo_GBps']:.2f} GB/s)" if "torch_gloo_GBps" in row else ""
        print(
            f"all_reduce {row['MB']:>4} MB  torchlet {row['torchlet_GBps']:.2f} GB/s  mpi4py "
            f"{row['mpi4py_GBps']:.2f} GB/s  ratio {row['ratio']:.2f}  (spread {row['torchlet_spread']:.0%} / "
            f"{row['mpi4py_spread']:.0%}){ref}  shape check {row['shape_check_us']:.1f} us",
            flush=True,
        )
    if smoke:
        print("smoke run: correctness only, the figures above mean nothing", flush=True)
    if out:
        from torchlet._atomic import atomic_open

        with atomic_open(out) as f:
            f.write(json.dumps(results, indent=1).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
