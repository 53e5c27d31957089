"""Weights handling shared by the model builders: no downloads, a clear error instead."""
import warnings


def _handle_weights(name, weights, kwargs):
    """Accept weights=None and the deprecated pretrained=False, as torchvision does; refuse
    pretrained weights, since torchlet does not download them."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
                      "future, please use 'weights' instead.")
        if pretrained:
            weights = "DEFAULT"
        else:
            warnings.warn("Arguments other than a weight enum or `None` for 'weights' are deprecated since "
                          "0.13 and may be removed in the future. The current behavior is equivalent to "
                          "passing `weights=None`.")
    if weights is not None:
        raise RuntimeError(
            f"{name}(weights={weights!r}): torchlet does not download pretrained weights. Build the "
            f"model with weights=None and load a torchvision checkpoint file you have: "
            f"model = {name}(weights=None); "
            f"model.load_state_dict(torchlet.load('path/to/{name}.pth'))")
