"""How long do seeded training runs print PyTorch's numbers digit for digit?

    python benchmarks/seed_drift.py [--steps 300]

The same seed gives torchlet and PyTorch the same initial weights, dropout masks
and shuffled batches (the draws are bit-exact). The arithmetic is not: our
matrix products and sums add in another order than PyTorch's kernels, so a loss
may differ in its last bits, and training carries that forward. For the model
families of the seed lessons this trains both libraries side by side (SGD, the
lessons' batch sizes, shuffled DataLoader, data from a fixed NumPy seed) and
reports, at the precisions the lessons print, the first step whose loss differs.
"""

import argparse
import math

import numpy as np
import torch

import torchlet
import torchlet.utils.data
import torch.utils.data

PRECISIONS = (4, 6)  # digits after the point: tensor prints / f"{loss:>7f}"


def _models(lib):
    nn = lib.nn
    return {
        "softmax regression (784-10)": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), 0.1, 256),
        "MLP + dropout (784-256-256-10)": (
            lambda: nn.Sequential(
                nn.Flatten(),
                nn.Linear(784, 256),
                nn.ReLU(),
                nn.Dropout(0.2),
                nn.Linear(256, 256),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(256, 10),
            ),
            0.5,
            256,
        ),
        "LeNet (sigmoid, avg-pool)": (
            lambda: nn.Sequential(
                nn.Conv2d(1, 6, 5, padding=2),
                nn.Sigmoid(),
                nn.AvgPool2d(2, 2),
                nn.Conv2d(6, 16, 5),
                nn.Sigmoid(),
                nn.AvgPool2d(2, 2),
                nn.Flatten(),
                nn.Linear(400, 120),
                nn.Sigmoid(),
                nn.Linear(120, 84),
                nn.Sigmoid(),
                nn.Linear(84, 10),
            ),
            0.9,
            256,
        ),
        "CNN (ReLU, max-pool, batch 64)": (
            lambda: nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(32 * 7 * 7, 10),
            ),
            0.05,
            64,
        ),
    }


def _losses(lib, name, x, y, steps, seed):
    make, lr, batch = _models(lib)[name]
    lib.manual_seed(seed)
    model = make()
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y)), batch_size=batch, shuffle=True
    )
    loss_fn = lib.nn.CrossEntropyLoss()
    out = []
    while len(out) < steps:
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            out.append(loss.item())
            if len(out) == steps:
                break
    return out


def first_difference(a, b, digits):
    for i, (u, v) in enumerate(zip(a, b)):
        if f"{u:.{digits}f}" != f"{v:.{digits}f}":
            return i
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--n", type=int, default=4096, help="training examples (synthetic, 28x28)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    y = rng.randint(0, 10, args.n).astype(np.int64)
    centers = rng.rand(10, 1, 28, 28).astype(np.float32)
    x = (centers[y] + 0.5 * rng.rand(args.n, 1, 28, 28)).astype(np.float32)
    print(f"{'model':34s} " + " ".join(f"identical steps at {d} digits" for d in PRECISIONS))
    for name in _models(torch):
        ours = _losses(torchlet, name, x, y, args.steps, 0)
        theirs = _losses(torch, name, x, y, args.steps, 0)
        cells = []
        for d in PRECISIONS:
            k = first_difference(ours, theirs, d)
            cells.append(f"all {args.steps}" if k is None else f"{k} (then {abs(ours[k] - theirs[k]):.1e})")
        rel = max(abs(u - v) / max(abs(v), 1e-12) for u, v in zip(ours, theirs))
        print(
            f"{name:34s} "
            + "  ".join(f"{c:>28s}" for c in cells)
            + f"   max rel diff {rel:.1e}"
            + ("" if math.isfinite(rel) else " (diverged)")
        )


if __name__ == "__main__":
    main()
