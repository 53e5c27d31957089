"""DataLoader workloads: in-memory PIL images through ToTensor + Normalize,
batched by each library's DataLoader with 0 or 2 worker processes.

  digits  8x8 grayscale images ('L'), the built-in Digits' shape    2048 images, batch 64
  cifar   32x32 RGB images, CIFAR-10's shape                        2048 images, batch 64

One call = one epoch. torchlet uses torchlet.vision.transforms, PyTorch torchvision's."""

import importlib

import numpy as np

SHAPES = {"digits": ((8, 8), "L"), "cifar": ((32, 32, 3), "RGB")}
WORKERS = (0, 2)
IMAGES, BATCH = 2048, 64


class Images:
    """A map-style dataset (both DataLoaders take any __getitem__/__len__)."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]

    def __len__(self):
        return len(self.images)


def images(kind, n=IMAGES):
    from PIL import Image

    shape, mode = SHAPES[kind]
    rng = np.random.default_rng(0)
    arrays = rng.integers(0, 256, (n,) + shape, dtype=np.uint8)
    return [Image.fromarray(a, mode) for a in arrays], rng.integers(0, 10, n).tolist()


def _transforms(m):
    if m.__name__ == "torch":
        return importlib.import_module("torchvision.transforms")
    return importlib.import_module("torchlet.vision.transforms")


def loader(m, kind, workers, shuffle=True, n=IMAGES):
    T = _transforms(m)
    channels = 1 if SHAPES[kind][1] == "L" else 3
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,) * channels, (0.25,) * channels)])
    data = importlib.import_module(m.__name__ + ".utils.data")
    ds = Images(*images(kind, n), tf)
    return data.DataLoader(ds, batch_size=BATCH, shuffle=shuffle, num_workers=workers, persistent_workers=workers > 0)


def epoch_call(m, kind, workers):
    """A zero-argument callable running one epoch (workers stay up between calls)."""
    ld = loader(m, kind, workers)

    def run():
        for _ in ld:
            pass

    run.loader = ld  # keeps the persistent workers alive as long as the callable
    return run
