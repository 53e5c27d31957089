"""Counting: unique (the distinct values, with the inverse map and counts) and bincount
(occurrences of each non-negative integer, or the sum of their weights). Integer results
computed through the backend's unique/bincount; neither has a gradient."""

import numpy as np

from ._util import method, wrap, wrap_dim

__all__ = ["unique", "bincount"]


@method()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    x = input._data
    xp = input._xp
    axis = None if dim is None else wrap_dim(dim, x.ndim)
    out = xp.unique(x, return_inverse=True, return_counts=True, axis=axis)
    values, inverse, counts = out[0], out[1], out[2]
    res = [wrap(values)]
    if return_inverse:
        inverse = inverse.reshape(x.shape if axis is None else (-1,))
        res.append(wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        res.append(wrap(counts.astype(np.int64, copy=False)))
    return res[0] if len(res) == 1 else tuple(res)


@method()
def bincount(input, weights=None, minlength=0):
    x = input._data
    xp = input._xp
    if x.dtype.kind not in "iu":
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        else:
            raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.name.capitalize()}'")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return wrap(xp.bincount(x, minlength=minlength).astype(np.int64, copy=False))
    w = weights._data
    if w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    res = xp.bincount(x, weights=w, minlength=minlength)
    return wrap(res.astype(w.dtype if w.dtype.kind == "f" else np.float64, copy=False))
