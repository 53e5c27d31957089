"""MNIST, FashionMNIST and KMNIST: torchvision's layout, root/<Name>/raw/*-ubyte
(IDX files), downloaded from the official mirrors as .gz and unpacked there."""

import os

import numpy as np
from PIL import Image

from ... import _dtype
from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_image_file", "read_label_file", "read_sn3_pascalvincent_tensor"]

# IDX type codes -> (NumPy dtype, big-endian on disk)
_IDX_TYPES = {
    8: np.uint8,
    9: np.int8,
    11: np.dtype(">i2"),
    12: np.dtype(">i4"),
    13: np.dtype(">f4"),
    14: np.dtype(">f8"),
}


def read_sn3_pascalvincent_tensor(path, strict=True):
    """An IDX ("SN3 Pascal Vincent") file as a tensor of its dtype and shape. The header is
    checked before any data is read: magic 0x0000TTNN (type code TT, NN = 1..3 dimensions), NN
    big-endian sizes, then exactly prod(sizes) items; anything else is a RuntimeError naming the
    file (torchvision lets AssertionError or a view error through)."""
    from ...ops.creation import from_numpy

    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise RuntimeError(f"{path} is not an IDX file: {len(data)} bytes, shorter than the 4-byte magic number")
    magic = int.from_bytes(data[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if not (1 <= nd <= 3 and ty in _IDX_TYPES):
        raise RuntimeError(
            f"{path} is not an IDX file (magic number {magic:#010x}: expected 0x0000TTNN "
            f"with type code TT in {sorted(_IDX_TYPES)} and 1 <= NN <= 3 dimensions)"
        )
    head = 4 * (nd + 1)
    if len(data) < head:
        raise RuntimeError(f"{path}: truncated IDX header ({len(data)} bytes, {nd} dimensions need {head})")
    shape = [int.from_bytes(data[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(nd)]
    dt = np.dtype(_IDX_TYPES[ty])
    count = int(np.prod(shape, dtype=object))
    body = len(data) - head
    if body != count * dt.itemsize:
        what = "truncated" if body < count * dt.itemsize else "longer than its header says"
        raise RuntimeError(
            f"{path}: IDX file {what}: sizes {shape} of {dt.itemsize}-byte items need "
            f"{count * dt.itemsize} bytes of data, the file holds {body}"
        )
    parsed = np.frombuffer(data, dtype=dt, offset=head)
    parsed = parsed.astype(dt.newbyteorder("=")) if dt.itemsize > 1 else parsed.copy()
    return from_numpy(parsed.reshape(shape))


def read_label_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype is not _dtype.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndimension()}")
    return x.long()


def read_image_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype is not _dtype.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndimension()}")
    return x


class MNIST(VisionDataset):
    """MNIST handwritten digits: `data` uint8 (N, 28, 28), `targets` int64 (N,);
    items are (PIL 'L' image, int label) after the transforms."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    def _load_data(self):
        split = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{split}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{split}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index):
        return self._sample(Image.fromarray(self.data.numpy()[index]), int(self.targets[index]))

    def __len__(self):
        return len(self.data)

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _check_exists(self):
        return all(
            check_integrity(os.path.join(self.raw_folder, os.path.splitext(name)[0])) for name, _ in self.resources
        )

    def download(self):
        """Fetch each file from the first mirror that serves it with the right MD5, and unpack it."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(
                        f"{mirror}{filename}", download_root=self.raw_folder, filename=filename, md5=md5
                    )
                except (RuntimeError, OSError) as e:
                    errors.append(e)
                    continue
                break
            else:
                msg = f"Error downloading {filename}:\n"
                for mirror, err in zip(self.mirrors, errors):
                    msg += f"Tried {mirror}, got:\n{err}\n"
                raise RuntimeError(msg)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (same layout as MNIST)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (same layout as MNIST)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
