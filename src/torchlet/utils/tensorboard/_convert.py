"""Turning tensors / arrays / numbers into NumPy arrays, and image layout
helpers (dataformats -> HWC, a batch of images -> one grid), as PyTorch's
SummaryWriter lays them out."""

import numbers

import numpy as np

__all__ = ["make_np", "convert_to_HWC", "make_grid"]


def make_np(x):
    """A NumPy array from a torchlet (or torch) tensor, an ndarray or a Python number.
    Numbers become 1-element arrays, as in PyTorch."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, (str, bytes)):
        return np.array([x])
    from ... import _dtype
    from ..._tensor import Tensor

    if isinstance(x, Tensor):
        x = x.detach()
        if x.dtype is _dtype.bfloat16:
            x = x.float()
        return np.asarray(x.numpy(force=True))
    if hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy"):  # a torch.Tensor
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or torch tensor are expected.")


def make_grid(imgs, ncols=8):
    """N1HW or N3HW -> 3HW canvas with `ncols` images per row (zeros elsewhere)."""
    if not isinstance(imgs, np.ndarray):
        raise AssertionError("plugin error, should pass numpy array here")
    if imgs.ndim == 4 and imgs.shape[1] == 1:
        imgs = np.broadcast_to(imgs, (imgs.shape[0], 3) + imgs.shape[2:])
    if imgs.ndim != 4 or imgs.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, c, h, w = imgs.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols) if n else 0
    pad = nrows * ncols - n
    if pad:
        imgs = np.concatenate([imgs, np.zeros((pad, c, h, w), imgs.dtype)])
    # (nrows, ncols, C, H, W) -> (C, nrows, H, ncols, W) -> (C, nrows*H, ncols*W)
    grid = imgs.reshape(nrows, ncols, c, h, w).transpose(2, 0, 3, 1, 4)
    return grid.reshape(c, nrows * h, ncols * w)


def convert_to_HWC(tensor, input_format):
    """Reorder an image array given as e.g. 'CHW', 'HWC', 'HW', 'NCHW', 'NHWC' to HWC
    (a batch is laid out as a grid, one channel is repeated to RGB)."""
    if len(set(input_format)) != len(input_format):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {input_format}")
    if tensor.ndim != len(input_format):
        raise AssertionError(
            "size of input tensor and input format are different. "
            f"tensor shape: {tensor.shape}, input_format: {input_format}"
        )
    fmt = input_format.upper()
    if len(fmt) == 4:
        nchw = tensor.transpose([fmt.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(fmt) == 3:
        hwc = tensor.transpose([fmt.find(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc, hwc, hwc], 2)
        return hwc
    if len(fmt) == 2:
        hw = tensor.transpose([fmt.find(c) for c in "HW"])
        return np.stack([hw, hw, hw], 2)
    raise AssertionError(f"dataformats should have 2, 3 or 4 dimensions, got {input_format!r}")
