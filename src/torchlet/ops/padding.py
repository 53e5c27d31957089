"""Padding: pad (constant / reflect / replicate / circular); interpolate is in
interpolate.py.

pad's backward is its adjoint: constant padding crops the gradient (a
negative constant pad); the other modes also add the gradient of every
copied border value back onto the value it was copied from.
"""

from ._util import Node, attach, wrap

__all__ = ["pad"]

_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_NAMES = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}


def _pairs(pad):
    """(left, right, top, bottom, ...) -> ((lo, hi) for the last dim, the one before, ...)."""
    return [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


# ----- constant -----------------------------------------------------------------
def _constant(X, xp, pairs, value):
    nd = X.ndim
    crop = [slice(None)] * nd
    grow = []
    for i, (lo, hi) in enumerate(pairs):
        d = nd - 1 - i
        crop[d] = slice(max(-lo, 0), X.shape[d] - max(-hi, 0))
        grow.append((d, max(lo, 0), max(hi, 0)))
    X = X[tuple(crop)]
    if any(lo or hi for _, lo, hi in grow):
        shape = list(X.shape)
        inner = [slice(None)] * nd
        for d, lo, hi in grow:
            inner[d] = slice(lo, lo + shape[d])
            shape[d] += lo + hi
        out = xp.full(shape, value, dtype=X.dtype)
        out[tuple(inner)] = X
        return out
    return X.copy()


class ConstantPadNdBackward0(Node):
    """d(pad(x, p)) = pad(g, -p): the gradient cropped back to x's extent"""

    def backward(self, g):
        return pad(g, tuple(-p for p in self.pad))


# ----- reflect / replicate / circular -------------------------------------------
def _adjoint(G, xp, pairs, mode):
    """Adjoint of xp.pad(mode): crop G and add every border copy onto its source."""
    nd = G.ndim
    for i, (lo, hi) in enumerate(pairs):
        d = nd - 1 - i
        G = xp.moveaxis(G, d, -1)
        n = G.shape[-1] - lo - hi
        core = G[..., lo : lo + n].copy()
        left, right = G[..., :lo], G[..., lo + n :]
        if mode == "reflect":  # left[j] copies x[lo - j], right[j] copies x[n - 2 - j]
            if lo:
                core[..., 1 : lo + 1] += left[..., ::-1]
            if hi:
                core[..., n - 1 - hi : n - 1] += right[..., ::-1]
        elif mode == "replicate":
            if lo:
                core[..., :1] += left.sum(-1, keepdims=True)
            if hi:
                core[..., n - 1 :] += right.sum(-1, keepdims=True)
        else:  # circular: left copies x[n - lo:], right copies x[:hi]
            if lo:
                core[..., n - lo :] += left
            if hi:
                core[..., :hi] += right
        G = xp.moveaxis(core, -1, d)
    return xp.ascontiguousarray(G)


class _PadBackward(Node):
    """d(pad(x)) = adjoint(g): crop, plus the border gradients folded back onto their sources"""

    def backward(self, g):
        return _pad_adjoint(g, self.pad, self.mode)


class _PadAdjointBackward(Node):
    """the adjoint of a linear map has the map itself as its derivative"""

    def backward(self, g):
        return pad(g, self.pad, self.mode)


def _pad_adjoint(g, p, mode):
    res = wrap(_adjoint(g._data, g._xp, _pairs(p), mode))
    return attach(res, _PadAdjointBackward, (g,), pad=p, mode=mode)


_NODES = {}


def _node(mode, n):
    name = "CopySlices" if mode == "circular" else f"{_NAMES[mode]}{n}DBackward0"
    cls = _NODES.get(name)
    if cls is None:
        cls = _NODES[name] = type(name, (_PadBackward,), {})
    return cls


def pad(input, pad, mode="constant", value=None):
    p = tuple(int(v) for v in pad)
    X = input._data
    if len(p) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(p) > 2 * X.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(p)} and input of dimension {X.ndim}"
        )
    pairs = _pairs(p)
    xp = input._xp
    if mode == "constant":
        for i, (lo, hi) in enumerate(pairs):
            d = X.ndim - 1 - i
            if X.shape[d] + lo + hi < 0:
                raise RuntimeError(
                    f"The input size {X.shape[d]}, plus negative padding {lo} and {hi} "
                    f"resulted in a negative output size, which is invalid. Check dimension "
                    f"{d} of your input."
                )
        res = _constant(X, xp, pairs, 0 if value is None else value)
        return attach(wrap(res), ConstantPadNdBackward0, (input,), pad=p)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    n = len(pairs)
    if n not in (1, 2, 3) or X.ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(p)} is not supported for {X.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    for i, (lo, hi) in enumerate(pairs):
        d = X.ndim - 1 - i
        size = X.shape[d]
        if min(lo, hi) < 0:
            raise RuntimeError(f"negative padding is not supported for {mode} padding")
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(X.shape)}"
            )
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0:
            raise RuntimeError(f"input tensor must have non-zero size in dimension {d}")
    widths = [(0, 0)] * (X.ndim - n) + pairs[::-1]
    res = xp.pad(X, widths, mode=_MODES[mode])
    return attach(wrap(res), _node(mode, n), (input,), pad=p, mode=mode)
