"""unfold / fold (im2col / col2im) and the window geometry convolution and pooling share:
sizes, padding, the strided window view win[n, c, *o, *k] = x[n, c, o*s + k*d]. unfold and fold
are differentiable ops: Im2ColBackward0's gradient is col2im of g, Col2ImBackward0's im2col of g."""

import itertools
from ._args import int_arg
from ._util import Node, attach, wrap

__all__ = ["unfold", "fold"]


# ----- array level: windows, im2col, col2im ---------------------------------
def _tup(v, n, name="stride"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return (int_arg(v[0], name, "tuple of ints"),) * n
        if len(v) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to "
                f"match the convolution dimensions, but got {name}={list(v)}"
            )
        return tuple(int_arg(a, name, "tuple of ints") for a in v)
    return (int_arg(v, name, "tuple of ints"),) * n


def _out_sizes(spatial, ksize, stride, pads, dilation):
    return tuple(
        (S + lo + hi - d * (k - 1) - 1) // s + 1 for S, k, s, (lo, hi), d in zip(spatial, ksize, stride, pads, dilation)
    )


def _pad_array(xp, x, pads, value=0):
    """Pad the trailing len(pads) dims of array x by (lo, hi) pairs."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(S + lo + hi for S, (lo, hi) in zip(x.shape[lead:], pads))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + S) for S, (lo, _) in zip(x.shape[lead:], pads))] = x
    return out


def _windows(xp, x, ksize, stride, dilation, out):
    """Strided view win[n, c, *o, *i] = x[n, c, o*s + i*d] (x already padded)."""
    st = x.strides
    lead, sp = st[:2], st[2:]
    shape = x.shape[:2] + tuple(out) + tuple(ksize)
    strides = lead + tuple(a * s for a, s in zip(sp, stride)) + tuple(a * d for a, d in zip(sp, dilation))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


def _im2col(x, ksize, stride, pads, dilation):
    """Array x (N, C, *S) -> cols (N, C*K, L) and the output sizes."""
    xp = _ns(x)
    n = len(ksize)
    out = _out_sizes(x.shape[2:], ksize, stride, pads, dilation)
    win = _windows(xp, _pad_array(xp, x, pads), ksize, stride, dilation, out)
    order = (0, 1) + tuple(range(2 + n, 2 + 2 * n)) + tuple(range(2, 2 + n))
    N, C = x.shape[:2]
    K = L = 1
    for k in ksize:
        K *= k
    for o in out:
        L *= o
    return win.transpose(order).reshape(N, C * K, L), out


def _col2im(cols, spatial, ksize, stride, pads, dilation):
    """Adjoint of _im2col: cols (N, C*K, L) -> array (N, C, *spatial)."""
    xp = _ns(cols)
    out = _out_sizes(spatial, ksize, stride, pads, dilation)
    K = 1
    for k in ksize:
        K *= k
    N, CK = cols.shape[:2]
    C = CK // K
    padded = tuple(S + lo + hi for S, (lo, hi) in zip(spatial, pads))
    res = xp.zeros((N, C) + padded, dtype=cols.dtype)
    c = cols.reshape((N, C) + tuple(ksize) + tuple(out))
    for offs in itertools.product(*(range(k) for k in ksize)):
        idx = tuple(slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(offs, dilation, stride, out))
        res[(Ellipsis,) + idx] += c[(slice(None), slice(None)) + offs]
    if any(lo or hi for lo, hi in pads):
        res = res[(Ellipsis,) + tuple(slice(lo, lo + S) for S, (lo, _) in zip(spatial, pads))]
    return res


def _ns(a):
    from .._device import namespace

    return namespace(a)


# ----- differentiable im2col / col2im ---------------------------------------
class Im2ColBackward0(Node):
    """d(unfold(x)) = fold(g): each column entry flows back to the pixel it was read from"""

    def backward(self, g):
        return _fold(g, self.spatial, self.ksize, self.stride, self.pads, self.dilation)


class Col2ImBackward0(Node):
    """d(fold(c)) = unfold(g): each column entry receives the gradient of the pixel it was added to"""

    def backward(self, g):
        return _unfold(g, self.ksize, self.stride, self.pads, self.dilation)


def _unfold(x, ksize, stride, pads, dilation):
    cols, _ = _im2col(x._data, ksize, stride, pads, dilation)
    return attach(
        wrap(cols),
        Im2ColBackward0,
        (x,),
        spatial=x._data.shape[2:],
        ksize=ksize,
        stride=stride,
        pads=pads,
        dilation=dilation,
    )


def _fold(cols, spatial, ksize, stride, pads, dilation):
    res = _col2im(cols._data, spatial, ksize, stride, pads, dilation)
    return attach(wrap(res), Col2ImBackward0, (cols,), ksize=ksize, stride=stride, pads=pads, dilation=dilation)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """F.unfold: (N, C, H, W) -> (N, C*kh*kw, L) sliding blocks."""
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    k, d, p, s = (
        _tup(a, 2, nm)
        for a, nm in ((kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride"))
    )
    out = _out_sizes(x._data.shape[2:], k, s, tuple((a, a) for a in p), d)
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size={list(k)}, "
            f"dilation={list(d)}, padding={list(p)}, calculated shape of the array of sliding "
            f"blocks as ({out[0]}, {out[1]}), but its components must be at least one."
        )
    r = _unfold(x, k, s, tuple((a, a) for a in p), d)
    return r if batched else r.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """F.fold: (N, C*kh*kw, L) -> (N, C, *output_size), summing overlaps."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.dim()}D)"
        )
    batched = input.dim() == 3
    c = input if batched else input.unsqueeze(0)
    o, k, d, p, s = (
        _tup(a, 2, nm)
        for a, nm in (
            (output_size, "output_size"),
            (kernel_size, "kernel_size"),
            (dilation, "dilation"),
            (padding, "padding"),
            (stride, "stride"),
        )
    )
    pads = tuple((a, a) for a in p)
    K = k[0] * k[1]
    L = 1
    for v in _out_sizes(o, k, s, pads, d):
        L *= v
    if c.shape[1] % K or c.shape[2] != L:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={c.shape[1]} and kernel_size={tuple(k)}"
            if c.shape[1] % K
            else f"Given output_size={tuple(o)}, kernel_size={tuple(k)}, dilation={tuple(d)}, "
            f"padding={tuple(p)}, stride={tuple(s)}, expected size of input's dimension 2 "
            f"to match the calculated number of sliding blocks {L}, but got "
            f"input.size(2)={c.shape[2]}."
        )
    r = _fold(c, o, k, s, pads, d)
    return r if batched else r.squeeze(0)
