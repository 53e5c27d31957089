"""Digits: the UCI optical handwritten digits (1,797 8x8 images, shipped with the
package from scikit-learn's copy; see vision/assets/DIGITS_LICENSE.txt), split
80/20 into train/test by a fixed permutation. No download needed."""

import gzip
import os

import numpy as np
from PIL import Image

from .vision import VisionDataset

__all__ = ["Digits"]

_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "digits.csv.gz")
_SPLIT_SEED = 0
_TRAIN_FRACTION = 0.8


def _load_all():
    with gzip.open(_FILE, "rt") as f:
        raw = np.loadtxt(f, delimiter=",", dtype=np.int64)
    images = np.rint(raw[:, :64].reshape(-1, 8, 8) * (255.0 / 16.0)).astype(np.uint8)
    return images, raw[:, 64]


class Digits(VisionDataset):
    """8x8 handwritten digits: `data` uint8 (N, 8, 8) scaled 0..16 -> 0..255, `targets`
    int64 (N,); items are (PIL 'L' image, int label). train: 1,438 images, test: 359."""

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None):
        from ...ops.creation import from_numpy

        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        images, labels = _load_all()
        order = np.random.RandomState(_SPLIT_SEED).permutation(len(labels))
        n_train = int(round(_TRAIN_FRACTION * len(labels)))
        idx = np.sort(order[:n_train] if train else order[n_train:])
        self.data = from_numpy(np.ascontiguousarray(images[idx]))
        self.targets = from_numpy(np.ascontiguousarray(labels[idx]))

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index):
        return self._sample(Image.fromarray(self.data.numpy()[index]), int(self.targets[index]))

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"
