"""`summary(model, input_size)`: the layer table of the `torchsummary`
package (1.5.1), computed by running the model once on random input with
forward hooks. Under the compatibility runner `from torchsummary import
summary` gives this function.

    ----------------------------------------------------------------
            Layer (type)               Output Shape         Param #
    ================================================================
                Conv2d-1            [-1, 6, 28, 28]             156
    ...
"""

from collections import OrderedDict

import numpy as np

__all__ = ["summary", "summary_string"]

_RULE = "-" * 64
_DOUBLE = "=" * 64


def _sizes(input_size):
    """torchsummary takes one shape (a tuple) or a list of shapes."""
    if isinstance(input_size, tuple) or (
        isinstance(input_size, list) and input_size and all(isinstance(d, int) for d in input_size)
    ):
        return [tuple(input_size)]
    return [tuple(s) for s in input_size]


def summary_string(model, input_size, batch_size=-1, device=None, dtypes=None):
    """(table text, (total params, trainable params)) as torchsummary's summary_string."""
    import torchlet
    from torchlet import nn

    sizes = _sizes(input_size)
    if dtypes is None:
        dtypes = [torchlet.float32] * len(sizes)
    layers = OrderedDict()
    hooks = []

    def register(module):
        def hook(module, inputs, output):
            key = f"{type(module).__name__}-{len(layers) + 1}"
            info = {}
            if isinstance(output, (list, tuple)):
                info["output_shape"] = [[-1] + list(o.size())[1:] for o in output]
            else:
                info["output_shape"] = list(output.size())
                info["output_shape"][0] = batch_size
            params = 0
            weight = getattr(module, "weight", None)
            if hasattr(weight, "size"):
                params += int(np.prod(list(weight.size())))
                info["trainable"] = weight.requires_grad
            bias = getattr(module, "bias", None)
            if hasattr(bias, "size"):
                params += int(np.prod(list(bias.size())))
            info["nb_params"] = params
            layers[key] = info

        if not isinstance(module, (nn.Sequential, nn.ModuleList)):
            hooks.append(module.register_forward_hook(hook))

    # a batch of 2, so BatchNorm works in training mode
    xs = [torchlet.rand(2, *size).to(dtype) for size, dtype in zip(sizes, dtypes)]
    model.apply(register)
    try:
        model(*xs)
    finally:
        for h in hooks:
            h.remove()

    lines = [_RULE, "{:>20}  {:>25} {:>15}".format("Layer (type)", "Output Shape", "Param #"), _DOUBLE]
    total_params = total_output = trainable = 0
    for key, info in layers.items():
        lines.append("{:>20}  {:>25} {:>15}".format(key, str(info["output_shape"]), "{0:,}".format(info["nb_params"])))
        total_params += info["nb_params"]
        total_output += np.prod(info["output_shape"])
        if info.get("trainable"):
            trainable += info["nb_params"]
    # 4 bytes a number, as torchsummary assumes; outputs twice (gradients)
    input_mb = abs(np.prod(sum(sizes, ())) * batch_size * 4.0 / (1024**2.0))
    output_mb = abs(2.0 * total_output * 4.0 / (1024**2.0))
    params_mb = abs(total_params * 4.0 / (1024**2.0))
    lines += [
        _DOUBLE,
        "Total params: {0:,}".format(total_params),
        "Trainable params: {0:,}".format(trainable),
        "Non-trainable params: {0:,}".format(total_params - trainable),
        _RULE,
        "Input size (MB): %0.2f" % input_mb,
        "Forward/backward pass size (MB): %0.2f" % output_mb,
        "Params size (MB): %0.2f" % params_mb,
        "Estimated Total Size (MB): %0.2f" % (params_mb + output_mb + input_mb),
        _RULE,
    ]
    return "\n".join(lines) + "\n", (total_params, trainable)


def summary(model, input_size, batch_size=-1, device=None, dtypes=None):
    """Print torchsummary's table for `model` on inputs of `input_size` (no batch dim)."""
    text, params = summary_string(model, input_size, batch_size, device, dtypes)
    print(text)
    return params
