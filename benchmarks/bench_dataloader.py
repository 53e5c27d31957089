"""DataLoader throughput, torchlet against PyTorch in the same run.

    python benchmarks/bench_dataloader.py [--images 4096] [--batch 64] [--repeat 3] [--json PATH]

28x28 grayscale PIL images (an in-memory MNIST-like dataset) go through
ToTensor + Normalize and are batched by the DataLoader with 0 and 2 worker
processes. Each configuration runs torchlet and PyTorch in turn, `repeat`
times after a warm-up epoch; the best epoch is reported as images/s with the
ratio torchlet / PyTorch throughput (higher is better for torchlet).
torchlet.vision.transforms is used when present, else a plain NumPy ->
tensor conversion with the same arithmetic.
"""

import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import torchlet  # noqa: E402
import torchlet.utils.data  # noqa: E402

try:
    import torch
    import torch.utils.data
    import torchvision.transforms as tv_transforms
except ImportError:  # pragma: no cover
    torch = None


def _torchlet_transform():
    try:
        from torchlet.vision import transforms as T

        return T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    except (ImportError, AttributeError):

        def convert(img):
            a = np.asarray(img, dtype=np.float32)[None] / 255.0
            return torchlet.from_numpy((a - 0.5) / 0.5)

        return convert


def _images(n):
    rng = np.random.RandomState(0)
    return [Image.fromarray(a) for a in rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)], rng.randint(
        0, 10, n
    ).tolist()


def _dataset(base, images, labels, transform):
    class Images(base):
        def __getitem__(self, i):
            return transform(images[i]), labels[i]

        def __len__(self):
            return len(images)

    return Images()


def _epoch(loader):
    t = time.perf_counter()
    n = 0
    for x, _ in loader:
        n += x.shape[0]
    return n / (time.perf_counter() - t)


def _make(lib, workers, images, labels, batch):
    if lib == "torchlet":
        ds = _dataset(torchlet.utils.data.Dataset, images, labels, _torchlet_transform())
        return torchlet.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=workers > 0)
    tf = tv_transforms.Compose([tv_transforms.ToTensor(), tv_transforms.Normalize((0.5,), (0.5,))])
    ds = _dataset(torch.utils.data.Dataset, images, labels, tf)
    return torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=workers > 0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=4096)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(1)
    images, labels = _images(args.images)
    libs = ["torchlet"] + (["torch"] if torch is not None else [])
    results = []
    print(f"{'workers':>7} {'torchlet img/s':>15} {'torch img/s':>12} {'ratio':>6}")
    for workers in (0, 2):
        loaders = {lib: _make(lib, workers, images, labels, args.batch) for lib in libs}
        best = {lib: 0.0 for lib in libs}
        for lib in libs:
            _epoch(loaders[lib])  # warm-up (starts persistent workers)
        for _ in range(args.repeat):
            for lib in libs:
                best[lib] = max(best[lib], _epoch(loaders[lib]))
        ratio = best["torchlet"] / best["torch"] if "torch" in best else float("nan")
        print(f"{workers:>7} {best['torchlet']:>15.0f} {best.get('torch', float('nan')):>12.0f} {ratio:>6.2f}")
        results.append({"workers": workers, **{f"{k}_images_per_s": v for k, v in best.items()}, "ratio": ratio})
        del loaders
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
