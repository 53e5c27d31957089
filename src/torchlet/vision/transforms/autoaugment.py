"""AutoAugment, RandAugment and TrivialAugmentWide, as torchvision.transforms.autoaugment.

The draws are torchvision's, in its order, from torchlet's default generator:
AutoAugment: randint(policies), rand(2) for the two ops' coins, randint(2, (2,)) for
their signs; RandAugment: per op randint(ops), then randint(2) for a signed op;
TrivialAugmentWide: randint(ops), randint(bins), then randint(2) for a signed op.
"""

import math
from enum import Enum

import torchlet
from torchlet import nn
from . import functional as F
from .functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]


def _apply_op(img, op_name, magnitude, interpolation, fill):
    """One named image operation at `magnitude` (shears are given as tan(angle))."""
    if op_name in ("ShearX", "ShearY"):
        shear = math.degrees(math.atan(magnitude))
        return F.affine(
            img,
            angle=0.0,
            translate=[0, 0],
            scale=1.0,
            shear=[shear, 0.0] if op_name == "ShearX" else [0.0, shear],
            interpolation=interpolation,
            fill=fill,
            center=[0, 0],
        )
    if op_name in ("TranslateX", "TranslateY"):
        t = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(
            img, angle=0.0, translate=t, scale=1.0, interpolation=interpolation, shear=[0.0, 0.0], fill=fill
        )
    simple = {
        "Rotate": lambda: F.rotate(img, magnitude, interpolation=interpolation, fill=fill),
        "Brightness": lambda: F.adjust_brightness(img, 1.0 + magnitude),
        "Color": lambda: F.adjust_saturation(img, 1.0 + magnitude),
        "Contrast": lambda: F.adjust_contrast(img, 1.0 + magnitude),
        "Sharpness": lambda: F.adjust_sharpness(img, 1.0 + magnitude),
        "Posterize": lambda: F.posterize(img, int(magnitude)),
        "Solarize": lambda: F.solarize(img, magnitude),
        "AutoContrast": lambda: F.autocontrast(img),
        "Equalize": lambda: F.equalize(img),
        "Invert": lambda: F.invert(img),
        "Identity": lambda: img,
    }
    if op_name not in simple:
        raise ValueError(f"The provided operator {op_name} is not recognized.")
    return simple[op_name]()


def _fill_for(img, fill):
    if isinstance(img, torchlet.Tensor):
        if isinstance(fill, (int, float)):
            return [float(fill)] * F.get_dimensions(img)[0]
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _space(num_bins, shear, translate_x, translate_y, rotate, enhance, posterize_div):
    """The magnitude bins of each op: (values, whether the sign is drawn)."""
    lin = torchlet.linspace
    return {
        "ShearX": (lin(0.0, shear, num_bins), True),
        "ShearY": (lin(0.0, shear, num_bins), True),
        "TranslateX": (lin(0.0, translate_x, num_bins), True),
        "TranslateY": (lin(0.0, translate_y, num_bins), True),
        "Rotate": (lin(0.0, rotate, num_bins), True),
        "Brightness": (lin(0.0, enhance, num_bins), True),
        "Color": (lin(0.0, enhance, num_bins), True),
        "Contrast": (lin(0.0, enhance, num_bins), True),
        "Sharpness": (lin(0.0, enhance, num_bins), True),
        "Posterize": (8 - (torchlet.arange(num_bins) / ((num_bins - 1) / posterize_div)).round().int(), False),
        "Solarize": (lin(255.0, 0.0, num_bins), False),
        "AutoContrast": (torchlet.tensor(0.0), False),
        "Equalize": (torchlet.tensor(0.0), False),
    }


class AutoAugmentPolicy(Enum):
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


def _policy(text):
    """'Name p bin, Name p bin; ...' -> [((name, p, bin or None), (...)), ...]."""
    out = []
    for pair in text.split(";"):
        ops = []
        for op in pair.split(","):
            name, p, m = op.split()
            ops.append((name, float(p), None if m == "-" else int(m)))
        out.append(tuple(ops))
    return out


_POLICIES = {
    AutoAugmentPolicy.IMAGENET: _policy(
        "Posterize 0.4 8, Rotate 0.6 9; Solarize 0.6 5, AutoContrast 0.6 -; Equalize 0.8 -, Equalize 0.6 -;"
        "Posterize 0.6 7, Posterize 0.6 6; Equalize 0.4 -, Solarize 0.2 4; Equalize 0.4 -, Rotate 0.8 8;"
        "Solarize 0.6 3, Equalize 0.6 -; Posterize 0.8 5, Equalize 1.0 -; Rotate 0.2 3, Solarize 0.6 8;"
        "Equalize 0.6 -, Posterize 0.4 6; Rotate 0.8 8, Color 0.4 0; Rotate 0.4 9, Equalize 0.6 -;"
        "Equalize 0.0 -, Equalize 0.8 -; Invert 0.6 -, Equalize 1.0 -; Color 0.6 4, Contrast 1.0 8;"
        "Rotate 0.8 8, Color 1.0 2; Color 0.8 8, Solarize 0.8 7; Sharpness 0.4 7, Invert 0.6 -;"
        "ShearX 0.6 5, Equalize 1.0 -; Color 0.4 0, Equalize 0.6 -; Equalize 0.4 -, Solarize 0.2 4;"
        "Solarize 0.6 5, AutoContrast 0.6 -; Invert 0.6 -, Equalize 1.0 -; Color 0.6 4, Contrast 1.0 8;"
        "Equalize 0.8 -, Equalize 0.6 -"
    ),
    AutoAugmentPolicy.CIFAR10: _policy(
        "Invert 0.1 -, Contrast 0.2 6; Rotate 0.7 2, TranslateX 0.3 9; Sharpness 0.8 1, Sharpness 0.9 3;"
        "ShearY 0.5 8, TranslateY 0.7 9; AutoContrast 0.5 -, Equalize 0.9 -; ShearY 0.2 7, Posterize 0.3 7;"
        "Color 0.4 3, Brightness 0.6 7; Sharpness 0.3 9, Brightness 0.7 9; Equalize 0.6 -, Equalize 0.5 -;"
        "Contrast 0.6 7, Sharpness 0.6 5; Color 0.7 7, TranslateX 0.5 8; Equalize 0.3 -, AutoContrast 0.4 -;"
        "TranslateY 0.4 3, Sharpness 0.2 6; Brightness 0.9 6, Color 0.2 8; Solarize 0.5 2, Invert 0.0 -;"
        "Equalize 0.2 -, AutoContrast 0.6 -; Equalize 0.2 -, Equalize 0.6 -; Color 0.9 9, Equalize 0.6 -;"
        "AutoContrast 0.8 -, Solarize 0.2 8; Brightness 0.1 3, Color 0.7 0; Solarize 0.4 5, AutoContrast 0.9 -;"
        "TranslateY 0.9 9, TranslateY 0.7 9; AutoContrast 0.9 -, Solarize 0.8 3; Equalize 0.8 -, Invert 0.1 -;"
        "TranslateY 0.7 9, AutoContrast 0.9 -"
    ),
    AutoAugmentPolicy.SVHN: _policy(
        "ShearX 0.9 4, Invert 0.2 -; ShearY 0.9 8, Invert 0.7 -; Equalize 0.6 -, Solarize 0.6 6;"
        "Invert 0.9 -, Equalize 0.6 -; Equalize 0.6 -, Rotate 0.9 3; ShearX 0.9 4, AutoContrast 0.8 -;"
        "ShearY 0.9 8, Invert 0.4 -; ShearY 0.9 5, Solarize 0.2 6; Invert 0.9 -, AutoContrast 0.8 -;"
        "Equalize 0.6 -, Rotate 0.9 3; ShearX 0.9 4, Solarize 0.3 3; ShearY 0.8 8, Invert 0.7 -;"
        "Equalize 0.9 -, TranslateY 0.6 6; Invert 0.9 -, Equalize 0.6 -; Contrast 0.3 3, Rotate 0.8 4;"
        "Invert 0.8 -, TranslateY 0.0 2; ShearY 0.7 6, Solarize 0.4 8; Invert 0.6 -, Rotate 0.8 4;"
        "ShearY 0.3 7, TranslateX 0.9 3; ShearX 0.1 6, Invert 0.6 -; Solarize 0.7 2, TranslateY 0.6 7;"
        "ShearY 0.8 4, Invert 0.8 -; ShearX 0.7 9, TranslateY 0.8 3; ShearY 0.8 5, AutoContrast 0.7 -;"
        "ShearX 0.7 2, Invert 0.1 -"
    ),
}


class AutoAugment(nn.Module):
    """One of the policy's 25 sub-policies per image; each of its two ops applies with its
    probability, at its magnitude bin (of 10), with a random sign where signed."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.policy, self.interpolation, self.fill = policy, interpolation, fill
        self.policies = self._get_policies(policy)

    def _get_policies(self, policy):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy])

    def _augmentation_space(self, num_bins, image_size):
        space = _space(num_bins, 0.3, 150.0 / 331.0 * image_size[1], 150.0 / 331.0 * image_size[0], 30.0, 0.9, 4)
        space["Invert"] = (torchlet.tensor(0.0), False)
        return space

    @staticmethod
    def get_params(transform_num):
        policy_id = int(torchlet.randint(transform_num, (1,)).item())
        probs = torchlet.rand((2,))
        signs = torchlet.randint(2, (2,))
        return policy_id, probs, signs

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id].item()) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(nn.Module):
    """`num_ops` ops drawn uniformly, each at bin `magnitude` of `num_magnitude_bins`."""

    def __init__(
        self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None
    ):
        super().__init__()
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self.interpolation, self.fill = interpolation, fill

    def _augmentation_space(self, num_bins, image_size):
        space = {"Identity": (torchlet.tensor(0.0), False)}
        space.update(_space(num_bins, 0.3, 150.0 / 331.0 * image_size[1], 150.0 / 331.0 * image_size[0], 30.0, 0.9, 4))
        return space

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        for _ in range(self.num_ops):
            op_index = int(torchlet.randint(len(op_meta), (1,)).item())
            op_name = list(op_meta)[op_index]
            magnitudes, signed = op_meta[op_name]
            magnitude = float(magnitudes[self.magnitude].item()) if magnitudes.ndim > 0 else 0.0
            if signed and torchlet.randint(2, (1,)):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
            f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
            f"fill={self.fill})"
        )


class TrivialAugmentWide(nn.Module):
    """One op drawn uniformly, at a magnitude bin drawn uniformly."""

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_magnitude_bins, self.interpolation, self.fill = num_magnitude_bins, interpolation, fill

    def _augmentation_space(self, num_bins):
        space = {"Identity": (torchlet.tensor(0.0), False)}
        space.update(_space(num_bins, 0.99, 32.0, 32.0, 135.0, 0.99, 6))
        return space

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        op_meta = self._augmentation_space(self.num_magnitude_bins)
        op_index = int(torchlet.randint(len(op_meta), (1,)).item())
        op_name = list(op_meta)[op_index]
        magnitudes, signed = op_meta[op_name]
        magnitude = (
            float(magnitudes[torchlet.randint(len(magnitudes), (1,), dtype=torchlet.long)].item())
            if magnitudes.ndim > 0
            else 0.0
        )
        if signed and torchlet.randint(2, (1,)):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )
