"""Regenerate src/torchlet/vision/assets/weights.json and imagenet_categories.txt from the installed
torchvision (the oracle): the URLs, transform settings and metadata of every weights enum whose model
torchlet builds. Run: python tests/vision/_gen/gen_weights_data.py (test_weights.py checks the result
still equals torchvision's, so a stale table fails a test)."""

import json
import pathlib
from functools import partial

import torchvision.models as TM
from torchvision.models._meta import _COCO_CATEGORIES, _IMAGENET_CATEGORIES

ENUMS = [
    "AlexNet_Weights",
    "VGG11_Weights",
    "VGG11_BN_Weights",
    "VGG13_Weights",
    "VGG13_BN_Weights",
    "VGG16_Weights",
    "VGG16_BN_Weights",
    "VGG19_Weights",
    "VGG19_BN_Weights",
    "ResNet18_Weights",
    "ResNet34_Weights",
    "ResNet50_Weights",
    "ResNet101_Weights",
    "ResNet152_Weights",
    "DenseNet121_Weights",
    "GoogLeNet_Weights",
    "MobileNet_V2_Weights",
    "SqueezeNet1_0_Weights",
    "SqueezeNet1_1_Weights",
    "Inception_V3_Weights",
    "ViT_B_16_Weights",
    "ViT_B_32_Weights",
    "ViT_L_16_Weights",
    "ViT_L_32_Weights",
    "ViT_H_14_Weights",
    "detection.FasterRCNN_ResNet50_FPN_Weights",
    "detection.MaskRCNN_ResNet50_FPN_Weights",
]


def _transforms(t):
    if getattr(t, "__name__", None) == "ObjectDetection":
        return {"preset": "ObjectDetection"}
    assert isinstance(t, partial) and t.func.__name__ == "ImageClassification", t
    kw = dict(t.keywords)
    if "interpolation" in kw:
        kw["interpolation"] = kw["interpolation"].value
    return kw


def main():
    root = pathlib.Path(__file__).resolve().parents[3] / "src/torchlet/vision/assets"
    table = {}
    for name in ENUMS:
        enum = TM
        for part in name.split("."):
            enum = getattr(enum, part)
        name = name.split(".")[-1]
        members = {}
        for key, member in enum.__members__.items():
            if key != member.name:
                members[key] = member.name  # an alias (DEFAULT)
                continue
            meta = dict(member.meta)
            if meta.get("categories") is _IMAGENET_CATEGORIES or meta.get("categories") == _IMAGENET_CATEGORIES:
                meta["categories"] = "IMAGENET"
            elif meta.get("categories") == _COCO_CATEGORIES:
                meta["categories"] = "COCO"
            members[key] = {"url": member.url, "transforms": _transforms(member.transforms), "meta": meta}
        table[name] = members
    (root / "weights.json").write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    (root / "imagenet_categories.txt").write_text("\n".join(_IMAGENET_CATEGORIES) + "\n")
    (root / "coco_categories.txt").write_text("\n".join(_COCO_CATEGORIES) + "\n")


if __name__ == "__main__":
    main()
