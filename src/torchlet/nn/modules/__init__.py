"""torchlet.nn.modules: PyTorch's file layout of the layer classes, for the names that
checkpoints, `add_safe_globals([...])` and `isinstance` checks spell out in full
(`torch.nn.modules.linear.Linear`). torchlet keeps its layers in other files; each
`torchlet.nn.modules.<file>` here is a module object holding the very same classes as
`torchlet.nn` (so `nn.modules.linear.Linear is nn.Linear`), registered in `sys.modules`
so that `import torchlet.nn.modules.linear` and pickle's class lookup find it.
"""

import sys
import types

from .. import module as _module_file
from ... import nn as _nn

# torch/nn/modules/<file>.py -> the public classes PyTorch defines there (those torchlet has).
_LAYOUT = {
    "activation": "CELU ELU GELU GLU Hardshrink Hardsigmoid Hardswish Hardtanh LeakyReLU LogSigmoid "
    "LogSoftmax Mish MultiheadAttention PReLU RReLU ReLU ReLU6 SELU SiLU Sigmoid Softmax "
    "Softmax2d Softmin Softplus Softshrink Softsign Tanh Tanhshrink Threshold",
    "adaptive": "AdaptiveLogSoftmaxWithLoss",
    "batchnorm": "BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d "
    "SyncBatchNorm _BatchNorm _NormBase",
    "channelshuffle": "ChannelShuffle",
    "container": "Container ModuleDict ModuleList ParameterDict ParameterList Sequential",
    "conv": "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d LazyConv2d "
    "LazyConv3d _ConvNd",
    "distance": "CosineSimilarity PairwiseDistance",
    "dropout": "AlphaDropout Dropout Dropout1d Dropout2d Dropout3d FeatureAlphaDropout _DropoutNd",
    "flatten": "Flatten Unflatten",
    "fold": "Fold Unfold",
    "instancenorm": "InstanceNorm1d InstanceNorm2d InstanceNorm3d _InstanceNorm",
    "linear": "Bilinear Identity LazyLinear Linear NonDynamicallyQuantizableLinear",
    "loss": "BCELoss BCEWithLogitsLoss CTCLoss CosineEmbeddingLoss CrossEntropyLoss GaussianNLLLoss "
    "HingeEmbeddingLoss HuberLoss KLDivLoss L1Loss MSELoss MarginRankingLoss MultiLabelMarginLoss "
    "MultiLabelSoftMarginLoss MultiMarginLoss NLLLoss NLLLoss2d PoissonNLLLoss SmoothL1Loss "
    "SoftMarginLoss TripletMarginLoss TripletMarginWithDistanceLoss _Loss _WeightedLoss",
    "module": "Module",
    "normalization": "CrossMapLRN2d GroupNorm LayerNorm LocalResponseNorm RMSNorm",
    "padding": "CircularPad1d CircularPad2d CircularPad3d ConstantPad1d ConstantPad2d ConstantPad3d "
    "ReflectionPad1d ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d "
    "ReplicationPad3d ZeroPad1d ZeroPad2d ZeroPad3d",
    "pixelshuffle": "PixelShuffle PixelUnshuffle",
    "pooling": "AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
    "AdaptiveMaxPool3d AvgPool1d AvgPool2d AvgPool3d FractionalMaxPool2d FractionalMaxPool3d "
    "LPPool1d LPPool2d LPPool3d MaxPool1d MaxPool2d MaxPool3d MaxUnpool1d MaxUnpool2d "
    "MaxUnpool3d",
    "rnn": "GRU GRUCell LSTM LSTMCell RNN RNNBase RNNCell RNNCellBase",
    "sparse": "Embedding EmbeddingBag",
    "transformer": "Transformer TransformerDecoder TransformerDecoderLayer TransformerEncoder TransformerEncoderLayer",
    "upsampling": "Upsample UpsamplingBilinear2d UpsamplingNearest2d",
}

# Private bases live in torchlet's own files, not on torchlet.nn.
_PRIVATE_HOMES = ("loss", "conv", "normalization", "dropout", "linear", "transformer", "rnn", "pooling", "module")


def _lookup(name):
    if hasattr(_nn, name):
        return getattr(_nn, name)
    import importlib

    for home in _PRIVATE_HOMES:
        mod = importlib.import_module(f"torchlet.nn.{home}")
        if hasattr(mod, name):
            return getattr(mod, name)
    return None


__all__ = []
for _file, _names in _LAYOUT.items():
    _mod = types.ModuleType(f"{__name__}.{_file}", f"PyTorch's torch.nn.modules.{_file} names.")
    _mod.__all__ = []
    for _name in _names.split():
        _cls = _lookup(_name)
        if _cls is None:
            continue
        setattr(_mod, _name, _cls)
        if not _name.startswith("_"):
            _mod.__all__.append(_name)
            globals()[_name] = _cls
            __all__.append(_name)
    sys.modules[_mod.__name__] = _mod
    globals()[_file] = _mod
if hasattr(_module_file, "_IncompatibleKeys"):
    globals()["module"]._IncompatibleKeys = _module_file._IncompatibleKeys
del _file, _names, _mod, _name, _cls
