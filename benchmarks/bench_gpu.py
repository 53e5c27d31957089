"""torchlet on CUDA (CuPy) against PyTorch on the same GPU, in one process:

  resnet18   CIFAR ResNet-18 (torchvision layout, 10 classes) training step, batch 128, 3x32x32
  lenet      the lecture's LeNet training step, batch 128, 1x28x28
  matmul     the seed lesson's 10000x10000 float32 product (TF32 off in both), timed with
             CUDA events as the lesson does

Training step = zero_grad, forward, cross-entropy, backward, SGD step (lr 0.01, momentum 0.9),
same weights and batch in both libraries. Steps are timed in rounds that alternate the two
libraries, each round synchronizing the GPU before and after; the figures are medians of
the per-step times and the ratio is torchlet / PyTorch (target <= 1.5 for ResNet-18).

    python benchmarks/bench_gpu.py [--json benchmarks/gpu-results.json] [--rounds 7] [--smoke]

`torchlet bench --device cuda` runs this script; the CPU run of `torchlet bench` leaves it out.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import workloads  # noqa: E402

MODELS = {"resnet18": (128, (3, 32, 32)), "lenet": (128, (1, 28, 28))}


def _sync(lib, device="cuda"):
    if device == "cuda":
        lib.cuda.synchronize()


def _build(name, torch, torchlet, batch, shape, devices):
    """{lib: one training step}: same weights, same batch, each on devices[lib] (cuda here; the
    CPU tests run torchlet on the fake device)."""
    builder = getattr(workloads, f"_{name}")
    rng = np.random.default_rng(0)
    x = rng.random((batch,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, batch)
    torch.manual_seed(0)
    ref = builder(torch)
    mod = builder(torchlet)
    mod.load_state_dict({k: torchlet.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    steps = {}
    for lib, model in (("torch", ref), ("torchlet", mod)):
        m = torch if lib == "torch" else torchlet
        model = model.to(devices[lib]).train()
        xb, yb = m.tensor(x).to(devices[lib]), m.tensor(y).to(devices[lib])
        opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = m.nn.CrossEntropyLoss()

        def step(model=model, xb=xb, yb=yb, opt=opt, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            return loss

        steps[lib] = step
    return steps


def _time_steps(step, lib, n, device):
    _sync(lib, device)
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    _sync(lib, device)
    return (time.perf_counter() - t0) / n


def bench_model(name, torch, torchlet, rounds, steps_per_round, warmup, devices=None, batch=None):
    devices = devices or {"torch": "cuda", "torchlet": "cuda"}
    default_batch, shape = MODELS[name]
    batch = batch or default_batch
    steps = _build(name, torch, torchlet, batch, shape, devices)
    first = {lib: float(steps[lib]().item()) for lib in steps}  # the first step's loss: same weights, same batch
    for lib, m in (("torch", torch), ("torchlet", torchlet)):
        for _ in range(warmup):
            steps[lib]()
        _sync(m, devices[lib])
    times = {"torch": [], "torchlet": []}
    for _ in range(rounds):
        for lib, m in (("torch", torch), ("torchlet", torchlet)):
            times[lib].append(_time_steps(steps[lib], m, steps_per_round, devices[lib]))
    med = {lib: statistics.median(v) for lib, v in times.items()}
    return {
        "batch": batch,
        "torch_ms": med["torch"] * 1e3,
        "torchlet_ms": med["torchlet"] * 1e3,
        "ratio": med["torchlet"] / med["torch"],
        "first_loss": first,
        "rounds": rounds,
        "steps_per_round": steps_per_round,
    }


def bench_matmul(torch, torchlet, n, repeats):
    """The seed lesson's product: x = rand(n, n) on the GPU, matmul(x, x) between two events."""
    out = {"n": n}
    for lib, m in (("torch", torch), ("torchlet", torchlet)):
        x = m.rand(n, n).to("cuda")
        m.matmul(x, x)  # warm-up (cuBLAS handle, memory pool)
        m.cuda.synchronize()
        ms = []
        for _ in range(repeats):
            start, end = m.cuda.Event(enable_timing=True), m.cuda.Event(enable_timing=True)
            start.record()
            m.matmul(x, x)
            end.record()
            m.cuda.synchronize()
            ms.append(start.elapsed_time(end))
        out[f"{lib}_ms"] = statistics.median(ms)
        del x
    out["ratio"] = out["torchlet_ms"] / out["torch_ms"]
    out["torchlet_tflops"] = 2 * n**3 / (out["torchlet_ms"] * 1e-3) / 1e12
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the results here")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--smoke", action="store_true", help="a few steps only (checks that it runs)")
    args = p.parse_args(argv)
    import torch
    import torchlet

    if not (torch.cuda.is_available() and torchlet.cuda.is_available()):
        print("bench_gpu: needs a GPU seen by both PyTorch and torchlet (CuPy)", file=sys.stderr)
        return 2
    torch.backends.cudnn.allow_tf32 = False  # full float32 in both
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    rounds, per_round, warmup = (2, 2, 1) if args.smoke else (args.rounds, 5, 3)
    import cupy

    results = {
        "device": torchlet.cuda.get_device_name(),
        "capability": list(torchlet.cuda.get_device_capability()),
        "torch": torch.__version__,
        "cupy": cupy.__version__,
        "cuda_runtime": torchlet.version.cuda,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "note": "ratios are torchlet / PyTorch on the same GPU, medians of alternating rounds",
        "models": {},
    }
    for name in MODELS:
        t0 = time.perf_counter()
        results["models"][name] = r = bench_model(name, torch, torchlet, rounds, per_round, warmup)
        print(
            f"{name:9s} batch {r['batch']}: torch {r['torch_ms']:.2f} ms  torchlet {r['torchlet_ms']:.2f} ms"
            f"  ratio {r['ratio']:.2f}  ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    n = 2000 if args.smoke else 10000
    results["matmul"] = r = bench_matmul(torch, torchlet, n, 3 if args.smoke else 5)
    print(
        f"matmul {n}x{n}: torch {r['torch_ms']:.1f} ms  torchlet {r['torchlet_ms']:.1f} ms  ratio {r['ratio']:.2f}"
        f"  ({r['torchlet_tflops']:.1f} TFLOP/s)",
        flush=True,
    )
    torchlet_mem = torchlet.cuda.max_memory_allocated()
    results["torchlet_max_memory_allocated_mb"] = torchlet_mem / 2**20
    results["torch_max_memory_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(results, f, indent=2)
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
