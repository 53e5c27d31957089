"""LSUN scene categories, read from their LMDB databases (<root>/<category>_<split>_lmdb) with the
optional `lmdb` package (pip install lmdb). Unlike torchvision, the list of keys is not pickled
into a cache file in the working directory; it is read from the database."""

import io
import os
from collections.abc import Iterable

from PIL import Image

from .utils import iterable_to_str, verify_str_arg
from .vision import VisionDataset

__all__ = ["LSUN", "LSUNClass"]

_CATEGORIES = [
    "bedroom",
    "bridge",
    "church_outdoor",
    "classroom",
    "conference_room",
    "dining_room",
    "kitchen",
    "living_room",
    "restaurant",
    "tower",
]


def _lmdb():
    try:
        import lmdb
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(
            "LSUN reads LMDB databases and needs the lmdb package: pip install lmdb", name="lmdb"
        ) from e
    return lmdb


class LSUNClass(VisionDataset):
    """One LMDB database of encoded images; items are (RGB PIL image, None)."""

    def __init__(self, root, transform=None, target_transform=None):
        lmdb = _lmdb()
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.env = lmdb.open(root, max_readers=1, readonly=True, lock=False, readahead=False, meminit=False)
        with self.env.begin(write=False) as txn:
            self.length = txn.stat()["entries"]
            self.keys = [key for key in txn.cursor().iternext(keys=True, values=False)]

    def __getitem__(self, index):
        with self.env.begin(write=False) as txn:
            imgbuf = txn.get(self.keys[index])
        img = Image.open(io.BytesIO(imgbuf)).convert("RGB")
        target = None
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.length


class LSUN(VisionDataset):
    """classes: 'train' / 'val' (all ten categories of that split), 'test', or a list such as
    ['bedroom_train', 'church_outdoor_train']; the target is the index of the category in that list."""

    def __init__(self, root, classes="train", transform=None, target_transform=None):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes = self._verify_classes(classes)
        self.dbs = [LSUNClass(root=os.path.join(root, f"{c}_lmdb"), transform=transform) for c in self.classes]
        self.indices, count = [], 0
        for db in self.dbs:
            count += len(db)
            self.indices.append(count)
        self.length = count

    def _verify_classes(self, classes):
        dset_opts = ["train", "val", "test"]
        try:
            verify_str_arg(classes, "classes", dset_opts)
            return [classes] if classes == "test" else [c + "_" + classes for c in _CATEGORIES]
        except ValueError:
            if not isinstance(classes, Iterable):
                raise ValueError(f"Expected type str or Iterable for argument classes, but got type {type(classes)}.")
            classes = list(classes)
            for c in classes:
                verify_str_arg(
                    c, custom_msg=f"Expected type str for elements in argument classes, but got type {type(c)}."
                )
                parts = c.split("_")
                category, dset_opt = "_".join(parts[:-1]), parts[-1]
                verify_str_arg(
                    category,
                    valid_values=_CATEGORIES,
                    custom_msg=(
                        f"Unknown value '{category}' for LSUN class. Valid values are {{{iterable_to_str(_CATEGORIES)}}}."
                    ),
                )
                verify_str_arg(
                    dset_opt,
                    valid_values=dset_opts,
                    custom_msg=(
                        f"Unknown value '{dset_opt}' for postfix. Valid values are {{{iterable_to_str(dset_opts)}}}."
                    ),
                )
        return classes

    def __getitem__(self, index):
        target, sub = 0, 0
        for ind in self.indices:
            if index < ind:
                break
            target += 1
            sub = ind
        db = self.dbs[target]
        if self.target_transform is not None:
            target = self.target_transform(target)
        img, _ = db[index - sub]
        return img, target

    def __len__(self):
        return self.length

    def extra_repr(self):
        return "Classes: {classes}".format(**self.__dict__)
