"""Weights enums and the model registry (torchvision.models._api): `ResNet18_Weights.DEFAULT`,
`get_weight("ResNet18_Weights.IMAGENET1K_V1")`, `get_model_weights("resnet18")`, `get_model`, `list_models`."""

import fnmatch
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any, Callable

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models"]


@dataclass
class Weights:
    """One set of pretrained weights: where to download it, the preprocessing it expects (a
    constructor, called as `weights.transforms()`), and its metadata (categories, num_params, ...)."""

    url: str
    transforms: Callable
    meta: dict

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (
                self.transforms.func == other.transforms.func
                and self.transforms.args == other.transforms.args
                and self.transforms.keywords == other.transforms.keywords
            )
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """Parent of every `<Model>_Weights` enum; its values are `Weights`."""

    @classmethod
    def verify(cls, obj):
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received {obj.__class__.__name__}."
                )
        return obj

    def get_state_dict(self, *args, **kwargs):
        from ...hub import load_state_dict_from_url

        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


BUILTIN_MODELS = {}
_MODEL_WEIGHTS = {}  # builder name -> its WeightsEnum class


def register_model(name=None, weights_enum=None):
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        if weights_enum is not None:
            _MODEL_WEIGHTS[key] = weights_enum
            fn._weights_enum = weights_enum
        return fn

    return wrapper


def get_weight(name):
    """The weights enum member named like "ResNet50_Weights.IMAGENET1K_V1"."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    from . import _weights

    weights_enum = getattr(_weights, enum_name, None)
    if not (isinstance(weights_enum, type) and issubclass(weights_enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return weights_enum[value_name]


def get_model_weights(name):
    """The WeightsEnum class of a model builder (the function or its registered name)."""
    model = get_model_builder(name) if isinstance(name, str) else name
    weights_enum = getattr(model, "_weights_enum", None)
    if weights_enum is None:
        raise ValueError(
            "The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing info is correct."
        )
    return weights_enum


def list_models(module=None, include=None, exclude=None):
    models = [
        k for k, v in BUILTIN_MODELS.items() if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__
    ]
    if include:
        include = [include] if isinstance(include, str) else include
        models = [m for m in models if any(fnmatch.fnmatch(m, p) for p in include)]
    if exclude:
        exclude = [exclude] if isinstance(exclude, str) else exclude
        models = [m for m in models if not any(fnmatch.fnmatch(m, p) for p in exclude)]
    return sorted(models)


def get_model_builder(name):
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    return get_model_builder(name)(**config)
