"""FakeData: random images, the same image and label for the same index every time."""

import numpy as np
from PIL import Image

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random PIL images of `image_size` (C, H, W) with labels in [0, num_classes);
    item i is drawn from a generator seeded with i + random_offset (the global RNG is untouched)."""

    def __init__(
        self,
        size=1000,
        image_size=(3, 224, 224),
        num_classes=10,
        transform=None,
        target_transform=None,
        random_offset=0,
    ):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        from ...ops.random_ops import randint, randn
        from ...random import Generator

        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = Generator().manual_seed(int(index) + self.random_offset)
        img = randn(*self.image_size, generator=g)
        target = randint(0, self.num_classes, size=(1,), generator=g)[0]
        # as ToPILImage on a float tensor: x * 255 converted to uint8 (wrapping)
        arr = (img.numpy() * 255).astype(np.int64).astype(np.uint8)
        arr = np.ascontiguousarray(arr.transpose(1, 2, 0))
        img, target = self._sample(Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr), target)
        return img, target.item() if hasattr(target, "item") else target

    def __len__(self):
        return self.size
