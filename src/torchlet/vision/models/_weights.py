"""Every `<Model>_Weights` enum of the models torchlet builds, made from data/weights.json (the
URLs, SHA-256 file-name prefixes, preset settings and metadata of torchvision 0.29; regenerate it
with tests/vision/_gen/gen_weights_data.py)."""

import json
import pathlib
from functools import partial

from ..transforms._presets import ImageClassification, ObjectDetection
from ..transforms.functional import InterpolationMode
from ._api import Weights, WeightsEnum
from ._meta import _COCO_CATEGORIES, _IMAGENET_CATEGORIES

_TABLE = json.loads((pathlib.Path(__file__).resolve().parent.parent / "assets" / "weights.json").read_text())


def _tuples(value):
    return tuple(value) if isinstance(value, list) else value


def _weights(entry):
    meta = dict(entry["meta"])
    if meta.get("categories") == "IMAGENET":
        meta["categories"] = _IMAGENET_CATEGORIES
    elif meta.get("categories") == "COCO":
        meta["categories"] = _COCO_CATEGORIES
    if entry["transforms"] == {"preset": "ObjectDetection"}:
        meta["min_size"] = tuple(meta["min_size"])
        return Weights(url=entry["url"], transforms=ObjectDetection, meta=meta)
    kw = {k: _tuples(v) for k, v in entry["transforms"].items()}
    if "interpolation" in kw:
        kw["interpolation"] = InterpolationMode(kw["interpolation"])
    if "min_size" in meta:
        meta["min_size"] = tuple(meta["min_size"])
    return Weights(url=entry["url"], transforms=partial(ImageClassification, **kw), meta=meta)


def _make_enum(name, members):
    values = {}
    for key, entry in members.items():
        values[key] = values[entry] if isinstance(entry, str) else _weights(entry)  # str: an alias (DEFAULT)
    enum = WeightsEnum(name, values, module=__name__)
    return enum


__all__ = list(_TABLE)
for _name, _members in _TABLE.items():
    globals()[_name] = _make_enum(_name, _members)
