"""Weights handling shared by the model builders, as torchvision's: `weights=` takes a weights enum
member, its name as a string or None; the deprecated `pretrained=True` means the DEFAULT weights."""

import warnings

from . import _weights


def _ovewrite_named_param(kwargs, param, new_value):
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _handle_weights(enum_name, weights, kwargs):
    """Resolve `weights` (and a legacy `pretrained` kwarg) to a member of the enum `enum_name` or
    None; with weights, the model's num_classes must match the weights' categories."""
    enum = getattr(_weights, enum_name)
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn(
            "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
            "future, please use 'weights' instead."
        )
        if pretrained:
            warnings.warn(
                f"Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
                f"and may be removed in the future. The current behavior is equivalent to passing "
                f"`weights={enum.DEFAULT!r}`. You can also use `weights={enum.__name__}.DEFAULT` to get "
                f"the most up-to-date weights."
            )
            weights = enum.DEFAULT
        else:
            warnings.warn(
                "Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
                "and may be removed in the future. The current behavior is equivalent to passing "
                "`weights=None`."
            )
    weights = enum.verify(weights)
    if weights is not None and weights.meta.get("categories") is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return weights


def _load_weights(model, weights, progress):
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
