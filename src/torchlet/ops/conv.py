"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d, on the im2col / col2im of unfold.py.

The im2col layout used everywhere in this file
-----------------------------------------------
For an input x of shape (N, C, *S) (S = spatial sizes, padded), a kernel of
sizes k = (k1, k2, ...), stride s and dilation d, the windows are a strided
*view* of x (no copy):

    win[n, c, o1, o2, i1, i2] = x[n, c, o1*s1 + i1*d1, o2*s2 + i2*d2]   (2-d case)

Moving the kernel axes next to the channel axis and reshaping gives the
column matrix (this reshape is the one copy im2col makes):

    cols[n, c*K + (i1*k2 + i2), o1*O2 + o2]      shape (N, C*K, L), K = k1*k2, L = O1*O2

A convolution with weight w of shape (O, C/G, k1, k2) and G groups is then
one batched BLAS matmul  w.reshape(G, O/G, C/G*K) @ cols.reshape(N, G, C/G*K, L).

col2im (fold) is the adjoint: every kernel offset (i1, i2) adds its column
slice into the strided positions it was read from. The loop runs over the K
kernel offsets only, each step a vectorised strided add.

Backward (written with Tensor ops, so double backward works):
    grad_cols   = w^T @ grad_out          -> grad_input = fold(grad_cols)
    grad_weight = sum over the batch of grad_out @ unfold(x)^T
    grad_bias   = grad_out summed over batch and space
"""

from .. import _backends_cupy, _dtype
from . import _conv_chwn, _conv_onednn, _onednn
from ._util import Node, attach, grad_enabled, same_device, wrap

from .unfold import _col2im, _fold, _im2col, _out_sizes, _tup, _unfold

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]


# ----- convolution ----------------------------------------------------------
_WORDS = _dtype.CPP_NAMES  # PyTorch's dtype names, one table (_dtype.py)
_SCALAR = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _same_pads(ksize, dilation):
    """padding='same': total d*(k-1), the odd extra going to the end (as PyTorch)."""
    out = []
    for k, d in zip(ksize, dilation):
        tot = d * (k - 1)
        out.append((tot // 2, tot - tot // 2))
    return tuple(out)


def _check(input, weight, bias, n, stride, padding, dilation, groups, transposed, name):
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got "
            f"input of size: {list(input.shape)}"
        )
    if weight.dim() != n + 2:
        raise RuntimeError(
            "weight should have at least three dimensions"
            if weight.dim() < 3
            else f"Expected {n + 2}-dimensional weight for {n + 2}-dimensional input "
            f"{list(input.shape)}, but got {weight.dim()}-dimensional weight of size "
            f"{list(weight.shape)} instead"
        )
    stride, dilation = _tup(stride, n, "stride"), _tup(dilation, n, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ksize = tuple(weight._data.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * n
        elif padding == "same":
            if transposed:
                raise RuntimeError(f"Invalid padding string: '{padding}'")
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(ksize, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tup(padding, n, "padding")
        if any(a < 0 for a in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((a, a) for a in p)
    xd, wd = input._data.dtype, weight._data.dtype
    if xd != wd:
        raise RuntimeError(
            f"expected scalar type {_SCALAR.get(str(xd), str(xd))} but found {_SCALAR.get(str(wd), str(wd))}"
        )
    if bias is not None and bias._data.dtype != xd:
        raise RuntimeError(
            f"Input type ({_WORDS.get(str(xd), str(xd))}) and bias type "
            f"({_WORDS.get(str(bias._data.dtype), str(bias._data.dtype))}) should be the same"
        )
    return stride, pads, dilation, ksize


def _batched(input, n):
    return input if input.dim() == n + 2 else input.unsqueeze(0)


def _convnd(input, weight, bias, stride, padding, dilation, groups, n, name):
    same_device(input, weight, bias)
    stride, pads, dilation, ksize = _check(input, weight, bias, n, stride, padding, dilation, groups, False, name)
    x = _batched(input, n)
    N, C = x._data.shape[:2]
    O = weight._data.shape[0]
    G = groups
    wshape = list(weight.shape)
    if O % G:
        raise RuntimeError(
            f"Given groups={G}, expected weight to be divisible by {G} at dimension 0, but "
            f"got weight of size [{wshape}] instead"
        )
    if C != weight._data.shape[1] * G:
        raise RuntimeError(
            f"Given groups={G}, weight of size {wshape}, expected input{list(x.shape)} to "
            f"have {weight._data.shape[1] * G} channels, but got {C} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias._data.shape[0] != O):
        raise RuntimeError(
            f"Given weight of size {wshape}, expected bias to be 1-dimensional with {O} "
            f"elements, but got bias of size {list(bias.shape)} instead"
        )
    spatial = x._data.shape[2:]
    padded = tuple(S + lo + hi for S, (lo, hi) in zip(spatial, pads))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
            "actual input size"
        )
    out = _out_sizes(spatial, ksize, stride, pads, dilation)
    y = None
    if _conv_onednn.usable(x._data, weight._data):  # the optional engine (see _conv_onednn)
        b = None if bias is None else bias._data
        y = _conv_onednn.forward(x._data, weight._data, b, stride, pads, dilation, G, out)
    onednn = y is not None
    chwn = (
        not onednn
        and n == 2
        and G == 1
        and (C >= _conv_chwn.MIN_CHANNELS or _backends_cupy.fused(x._xp, x._data.dtype))
        and x._data.dtype.kind == "f"
        and not getattr(x._xp, "is_vmap", False)
        and not getattr(weight._xp, "is_vmap", False)
    )
    # (under vmap, torchlet.func: the NCHW path batches, this one cannot)
    if chwn:  # batch-last layout: long copies, one large matrix product (see _conv_chwn)
        y = _conv_chwn.forward(
            x._xp, x._data, weight._data, None if bias is None else bias._data, stride, pads, dilation, out
        )
    elif not onednn:
        cols, out = _im2col(x._data, ksize, stride, pads, dilation)
        L = cols.shape[2]
        w = weight._data.reshape(G, O // G, -1)
        y = (w @ cols.reshape(N, G, cols.shape[1] // G, L)).reshape((N, O) + out)  # no -1: N may be 0
        if bias is not None:
            y += bias._data.reshape((O,) + (1,) * n)
    res = attach(
        wrap(y),
        ConvolutionBackward0,
        (x, weight, bias),
        (x, weight),
        stride=stride,
        pads=pads,
        dilation=dilation,
        groups=G,
        ksize=ksize,
        transposed=False,
        chwn=chwn,
        onednn=onednn,
    )
    return res if input.dim() == n + 2 else res.squeeze(0)


class ConvolutionBackward0(Node):
    """y = W (*) x + b.  Normal conv:  dx = fold(W^T g), dW = g unfold(x)^T, db = sum g.
    Transposed conv (y = fold(W^T x)):  dx = W unfold(g), dW = x unfold(g)^T, db = sum g."""

    def backward(self, g):
        x, w = self.saved_tensors
        onednn, chwn = self.__dict__.get("onednn"), self.__dict__.get("chwn")
        if (onednn or chwn) and not grad_enabled():  # arrays suffice without create_graph
            need = [self.needs_input_grad(i) for i in range(3)]
            geometry = (self.stride, self.pads, self.dilation)
            if onednn:  # None where oneDNN refuses: the Tensor-op backward below
                grads = _conv_onednn.backward(g._data, x._data, w._data, *geometry, self.groups, need)
            else:
                grads = _conv_chwn.backward(x._xp, g._data, x._data, w._data, *geometry, need)
            if grads is not None:
                return tuple(None if a is None else wrap(a) for a in grads)
        G, ks, st, pads, dil = self.groups, self.ksize, self.stride, self.pads, self.dilation
        N = x.shape[0]
        n = len(ks)
        gx = gw = gb = None
        if self.transposed:
            Cin, _Cout_g = w.shape[0], w.shape[1]
            gcols = _unfold(g, ks, st, pads, dil)  # (N, Cout*K, L_in)
            L = gcols.shape[2]
            gc = gcols.reshape(N, G, gcols.shape[1] // G, L)  # no -1 in these reshapes: N may be 0
            if self.needs_input_grad(0):
                gx = w.reshape(G, Cin // G, -1).matmul(gc).reshape(x.shape)
            if self.needs_input_grad(1):  # per-sample products summed (mT is a view: no copy)
                gw = x.reshape(N, G, Cin // G, L).matmul(gc.mT).sum(0).reshape(w.shape)
        else:
            O = w.shape[0]
            L = 1
            for v in g.shape[2:]:
                L *= v
            gy = g.reshape(N, G, O // G, L)
            if self.needs_input_grad(0):
                # as a convolution its im2col has O*K rows, col2im's has C*K: take the smaller
                # (LeNet's 6 -> 16 conv: 2.5x fewer bytes copied by col2im, measured 2x faster)
                gx = _input_grad_as_conv(g, w, self) if _conv_friendly(self) and O <= x.shape[1] else None
                if gx is None:
                    gcols = w.reshape(G, O // G, -1).mT.matmul(gy)
                    gcols = gcols.reshape(N, gcols.shape[1] * gcols.shape[2], L)
                    gx = _fold(gcols, tuple(x.shape[2:]), ks, st, pads, dil)
            # (keeping the forward's columns instead of this im2col was measured slower: the
            # larger heap made glibc return and re-fault memory every step)
            if self.needs_input_grad(1):  # per-sample products summed (mT is a view: no copy)
                cols = _unfold(x, ks, st, pads, dil)
                cols = cols.reshape(N, G, cols.shape[1] // G, L)
                gw = gy.matmul(cols.mT).sum(0).reshape(w.shape)
        if self.needs_input_grad(2):
            gb = g.sum((0,) + tuple(range(2, 2 + n)))
        return gx, gw, gb


def _conv_friendly(node):
    """Stride 1 with symmetric padding p <= d*(k-1): the input gradient is itself a
    convolution (cheaper than col2im)."""
    return all(s == 1 for s in node.stride) and all(
        lo == hi and lo <= d * (k - 1) for (lo, hi), d, k in zip(node.pads, node.dilation, node.ksize)
    )


def _input_grad_as_conv(g, w, node):
    """dx = conv(g, W^T flipped, padding d*(k-1) - p): every input pixel gathers the
    outputs its kernel taps reached, with the taps in reverse order."""
    G, n = node.groups, len(node.ksize)
    O, Cg = w.shape[0], w.shape[1]
    wt = w.reshape((G, O // G, Cg) + node.ksize).transpose(1, 2).reshape((G * Cg, O // G) + node.ksize)
    wt = wt.flip(tuple(range(2, 2 + n)))
    pad = tuple(d * (k - 1) - lo for (lo, _), d, k in zip(node.pads, node.dilation, node.ksize))
    return _convnd(g, wt, None, 1, pad, node.dilation, G, n, "conv")


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, n, name):
    if isinstance(padding, str):
        raise TypeError(f"{name}() received an invalid combination of arguments - got padding='{padding}'")
    stride, pads, dilation, ksize = _check(input, weight, bias, n, stride, padding, dilation, groups, True, name)
    op = _tup(output_padding, n, "output_padding")
    x = _batched(input, n)
    N, Cin = x._data.shape[:2]
    G = groups
    wshape = list(weight.shape)
    if Cin != weight._data.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {wshape}, expected input{list(x.shape)} to "
            f"have {weight._data.shape[0]} channels, but got {Cin} channels instead"
        )
    if Cin % G:
        raise RuntimeError(
            f"Given groups={G}, expected weight to be divisible by {G} at dimension 0, but "
            f"got weight of size [{wshape}] instead"
        )
    Cout = weight._data.shape[1] * G
    if bias is not None and (bias.dim() != 1 or bias._data.shape[0] != Cout):
        raise RuntimeError(
            f"Given transposed=1, weight of size {wshape}, expected bias to be 1-dimensional "
            f"with {Cout} elements, but got bias of size {list(bias.shape)} instead"
        )
    for o, s, d in zip(op, stride, dilation):
        if o >= s and o >= d:
            hw = ("height", "width") if n == 2 else ("",) * n
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                + " ".join(f"output_padding_{h}: {v}" for h, v in zip(hw, op))
                + " "
                + " ".join(f"stride_{h}: {v}" for h, v in zip(hw, stride))
                + " "
                + " ".join(f"dilation_{h}: {v}" for h, v in zip(hw, dilation))
            )
    spatial = x._data.shape[2:]
    out = tuple(
        (i - 1) * s - lo - hi + d * (k - 1) + p + 1
        for i, s, (lo, hi), d, k, p in zip(spatial, stride, pads, dilation, ksize, op)
    )
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated "
            f"output size per channel: ({' x '.join(map(str, out))}). Output size is too small"
        )
    L = 1
    for v in spatial:
        L *= v
    w = weight._data.reshape(G, Cin // G, -1)
    cols = w.swapaxes(1, 2) @ x._data.reshape(N, G, Cin // G, L)
    cols = cols.reshape(N, cols.shape[1] * cols.shape[2], L)  # no -1: N may be 0
    y = _col2im(cols, out, ksize, stride, pads, dilation)
    if bias is not None:
        y += bias._data.reshape((Cout,) + (1,) * n)
    res = attach(
        wrap(y),
        ConvolutionBackward0,
        (x, weight, bias),
        (x, weight),
        stride=stride,
        pads=pads,
        dilation=dilation,
        groups=G,
        ksize=ksize,
        transposed=True,
    )
    return res if input.dim() == n + 2 else res.squeeze(0)


def load_engine():
    """Loads the optional convolution engine (oneDNN, when its extra is installed) now: nn's Conv
    layers call this when built, so that loading its library (~25 MB resident, 10-40 ms) is part
    of building the model, not of its first training step."""
    _onednn.enabled()


def _low_precision(conv, input, weight, bias, *args):
    """bfloat16/float16 convolutions sum in float32 and round once, as PyTorch's CPU kernels."""
    dt = input.dtype
    if dt.is_floating_point and dt.itemsize == 2 and weight.dtype == dt and (bias is None or bias.dtype == dt):
        out = conv(input.float(), weight.float(), None if bias is None else bias.float(), *args)
        return out.to(dt)
    return conv(input, weight, bias, *args)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _low_precision(_convnd, input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _low_precision(_convnd, input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _low_precision(_convnd, input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _low_precision(
        _conv_transposend, input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d"
    )


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _low_precision(
        _conv_transposend, input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d"
    )
