"""The in-place ops PyTorch also exposes as torch.<name>_(input, ...): each is the Tensor
method of that name (torch.sin_(x) is x.sin_()), plus the few whose method lives in
nn.functional (torch.selu_(x) is F.selu(x, inplace=True))."""

from ._util import Tensor

_METHODS = (
    "abs_",
    "acos_",
    "addmv_",
    "arccos_",
    "arcsin_",
    "arctan_",
    "asin_",
    "atan_",
    "ceil_",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "cos_",
    "cosh_",
    "detach_",
    "erf_",
    "exp2_",
    "exp_",
    "expm1_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "nan_to_num_",
    "neg_",
    "reciprocal_",
    "relu_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "zero_",
)

__all__ = list(_METHODS) + ["selu_", "celu_", "dropout_", "alpha_dropout_", "feature_alpha_dropout_"]


def _function(name):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}(input, ...) is input.{name}(...)."
    return fn


for _name in _METHODS:
    globals()[_name] = _function(_name)


def selu_(input):
    from ..nn import functional as F

    return F.selu(input, inplace=True)


def celu_(input, alpha=1.0):
    from ..nn import functional as F

    return F.celu(input, alpha, inplace=True)


def dropout_(input, p, train):
    from ..nn import functional as F

    return F.dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    from ..nn import functional as F

    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p, train):
    from ..nn import functional as F

    return F.feature_alpha_dropout(input, p, train, inplace=True)
