"""Category names of the datasets the pretrained weights were trained on."""

import pathlib

_DATA = pathlib.Path(__file__).resolve().parent.parent / "assets"
_IMAGENET_CATEGORIES = (_DATA / "imagenet_categories.txt").read_text().splitlines()
_COCO_CATEGORIES = (_DATA / "coco_categories.txt").read_text().splitlines()
