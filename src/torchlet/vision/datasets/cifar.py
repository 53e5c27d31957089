"""CIFAR10 and CIFAR100: torchvision's layout (root/cifar-10-batches-py/ pickled
batches). `data` is a NumPy uint8 array (N, 32, 32, 3), `targets` a list of ints.

Every batch file's MD5 is checked before loading. `download=True` re-extracts
the archive (re-downloading it only when the archive itself is missing or
corrupt) when any batch does not match. With `download=False` a present file
whose MD5 differs (a stand-in with CIFAR's layout, such as a course's small
copy) is read with a UserWarning naming it, where torchvision refuses it; a
missing or unreadable file raises torchvision's RuntimeError. Batches are
pickles, so they are read by a restricted unpickler (`_safe_pickle`) that
rebuilds lists, dicts, strings, numbers and numeric NumPy arrays and executes
nothing else: a file that is not the official one can still run no code.
"""

import os
import warnings

import numpy as np
from PIL import Image

from . import _safe_pickle
from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

_CORRUPT = "Dataset not found or corrupted. You can use download=True to download it"
_META_CORRUPT = "Dataset metadata file not found or corrupted. You can use download=True to download it"


class CIFAR10(VisionDataset):
    """CIFAR-10: items are (PIL 'RGB' image, int label) after the transforms."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        altered = self._check_local_copy(self.train_list + self.test_list, _CORRUPT)
        data, self.targets = [], []
        for name, _ in self.train_list if self.train else self.test_list:
            entry = self._unpickle(name, altered, _CORRUPT)
            data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _unpickle(self, name, altered, message):
        """The batch's dict. An altered file that is no readable batch raises torchvision's
        RuntimeError `message` (the reason chained); a published file's error is its own."""
        try:
            with open(os.path.join(self.root, self.base_folder, name), "rb") as f:
                entry = _safe_pickle.load(f, encoding="latin1")
            if name in altered and name != self.meta["filename"]:
                np.asarray(entry["data"], np.uint8).reshape(-1, 3072)
            return entry
        except Exception as e:
            if name in altered:
                raise RuntimeError(message) from e
            raise

    def _check_local_copy(self, files, message):
        """Every file present (else torchvision's RuntimeError `message`); those whose MD5 is not
        the published one are named in one UserWarning and read all the same."""
        paths = [(name, os.path.join(self.root, self.base_folder, name), md5) for name, md5 in files]
        if not all(os.path.isfile(path) for _, path, _ in paths):
            raise RuntimeError(message)
        altered = [name for name, path, md5 in paths if not check_integrity(path, md5)]
        if altered:
            warnings.warn(
                f"{type(self).__name__}: {', '.join(altered)} in {self.base_folder} do not match "
                "the published MD5; reading them (download=True restores the official files)",
                UserWarning,
                stacklevel=3,
            )
        return set(altered)

    def _load_meta(self):
        meta = self.meta
        altered = self._check_local_copy([[meta["filename"], meta["md5"]]], _META_CORRUPT)
        self.classes = self._unpickle(meta["filename"], altered, _META_CORRUPT)[meta["key"]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index):
        return self._sample(Image.fromarray(self.data[index]), self.targets[index])

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        """Every batch file is present with its published MD5 (torchvision's check)."""
        return all(
            check_integrity(os.path.join(self.root, self.base_folder, name), md5)
            for name, md5 in self.train_list + self.test_list
        )

    def download(self):
        """Nothing when every batch checks; else extract the archive again, downloading it first
        only when it is missing or fails its own MD5."""
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
