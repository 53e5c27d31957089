"""torch.set_float32_matmul_precision / get_float32_matmul_precision.

PyTorch uses the setting to allow TF32 or bfloat16 passes inside float32 matmuls on GPUs that
have them; NumPy's matmul is always full float32, so here it is recorded and reported only.
"""

import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision"]

_precision = ["highest"]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium'; anything else warns and changes nothing, as in PyTorch."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _precision[0] = precision


def get_float32_matmul_precision():
    return _precision[0]
