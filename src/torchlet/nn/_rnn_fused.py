"""Fused recurrences: one autograd node per LSTM / GRU layer and direction. (A left-to-right
float32 LSTM layer runs as one oneDNN primitive instead when the `onednn` extra is there:
_rnn_onednn.py. This loop is the reference, and the path of every other layer.)

The input projection of all time steps (x W_ih^T + b_ih) stays an ordinary
`linear` (one GEMM, its own backward). This node takes that projection `xw`
(T, N, G*H), the initial state and W_hh / b_hh, loops over time on arrays
(no Tensor per step, no graph per step) and returns the outputs of every step
(T, N, H) and the last state. Its backward is back-propagation through time
written on arrays:

LSTM, per step (gates i, f, g, o of a = xw_t + h_{t-1} W_hh^T + b_hh):
    i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g)
    c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)
  going back with dh (from y_t and from step t+1) and dc (from step t+1):
    do = dh tanh(c_t),  dc += dh o (1 - tanh(c_t)^2)
    di = dc g, df = dc c_{t-1}, dg = dc i,  dc_{t-1} = dc f
    da = [di i (1 - i), df f (1 - f), dg (1 - g^2), do o (1 - o)]
    dh_{t-1} = da W_hh,  dxw_t = da
  and over all steps at once: dW_hh = sum_t da_t^T h_{t-1}, db_hh = sum_t da_t.

GRU, per step (r, z, n of xw_t = [xr, xz, xn] and hw = h_{t-1} W_hh^T + b_hh = [hr, hz, hn]):
    r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r hn)
    h_t = (1 - z) n + z h_{t-1}
  going back with dh:
    dn = dh (1 - z), dz = dh (h_{t-1} - n), dh_{t-1} = dh z
    dan = dn (1 - n^2), dr = dan hn
    dxw_t = [dr r (1 - r), dz z (1 - z), dan],  dhw = [dxw_r, dxw_z, dan r]
    dh_{t-1} += dhw W_hh;  dW_hh = sum_t dhw_t^T h_{t-1}, db_hh = sum_t dhw_t.

A gradient of the gradient needs a graph of the backward, which array code does
not build: when the engine runs this backward with grad mode on
(create_graph=True), it recomputes the layer with the per-step Tensor ops of
nn/rnn.py from the same inputs and differentiates that instead, so double
backward stays exact.
"""

import numpy as np

from ..autograd import grad_mode
from ..autograd.graph import Node, attach
from .._tensor import wrap
from ..ops import _gemm, _onednn


def _sigmoid(xp, a):
    """In place, as torchlet's sigmoid: 1 / (1 + exp(-a)). (divide(1, a) gives reciprocal's
    bits: both are IEEE divisions; NumPy's divide loop is the faster of the two.)"""
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.divide(1, a, out=a)
    return a


def _order(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _lstm_forward(xp, xw, h0, c0, w_hh, b_hh, reverse):
    T, N, G = xw.shape
    H = G // 4
    acts = xp.empty_like(xw)  # i, f, g, o after their activations
    cs = xp.empty((T + 1, N, H), dtype=xw.dtype)  # slot 0: c0, slot s + 1: after step s
    hs = xp.empty((T + 1, N, H), dtype=xw.dtype)
    tcs = xp.empty((T, N, H), dtype=xw.dtype)
    cs[0], hs[0] = c0, h0
    wt = xp.ascontiguousarray(w_hh.T)  # GEMM with a contiguous right operand: faster
    tg, ig = xp.empty((N, H), dtype=xw.dtype), xp.empty((N, H), dtype=xw.dtype)
    for s, t in enumerate(_order(T, reverse)):
        a = acts[s]
        xp.add(_gemm.matmul(xp, hs[s], wt), xw[t] if b_hh is None else b_hh, out=a)
        if b_hh is not None:
            a += xw[t]
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        xp.tanh(g, out=tg)
        _sigmoid(xp, a)  # all four gates at once (NumPy's loops over row slices cost ~2x), then g's tanh
        g[...] = tg
        c = cs[s + 1]
        xp.multiply(f, cs[s], out=c)
        xp.multiply(i, g, out=ig)
        c += ig
        xp.tanh(c, out=tcs[s])
        xp.multiply(o, tcs[s], out=hs[s + 1])
    return acts, cs, hs, tcs


def _lstm_backward(xp, saved, gy, ghn, gcn, w_hh, reverse):
    acts, cs, hs, tcs = saved
    T, N, G = acts.shape
    H = G // 4
    da = xp.empty_like(acts)  # step order
    dh = xp.zeros((N, H), dtype=acts.dtype) if ghn is None else ghn.copy()
    dc = xp.zeros((N, H), dtype=acts.dtype) if gcn is None else gcn.copy()
    order = list(_order(T, reverse))
    for s in range(T - 1, -1, -1):
        t = order[s]
        if gy is not None:
            dh += gy[t]
        a, d = acts[s], da[s]
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        tc = tcs[s]
        dc += dh * o * (1 - tc * tc)
        xp.multiply(dh * tc * o, 1 - o, out=d[:, 3 * H :])
        xp.multiply(dc * g * i, 1 - i, out=d[:, :H])
        xp.multiply(dc * cs[s] * f, 1 - f, out=d[:, H : 2 * H])
        xp.multiply(dc * i, 1 - g * g, out=d[:, 2 * H : 3 * H])
        dc *= f
        dh = _gemm.matmul(xp, d, w_hh)
    return da, dh, dc


def _gru_forward(xp, xw, h0, w_hh, b_hh, reverse):
    T, N, G = xw.shape
    H = G // 3
    acts = xp.empty_like(xw)  # r, z, n after their activations
    hns = xp.empty((T, N, H), dtype=xw.dtype)  # hn = (h W_hh^T + b_hh)_n
    hs = xp.empty((T + 1, N, H), dtype=xw.dtype)
    hs[0] = h0
    wt = xp.ascontiguousarray(w_hh.T)
    for s, t in enumerate(_order(T, reverse)):
        hw = _gemm.matmul(xp, hs[s], wt)
        if b_hh is not None:
            hw += b_hh
        a, x = acts[s], xw[t]
        xp.add(x[:, : 2 * H], hw[:, : 2 * H], out=a[:, : 2 * H])
        _sigmoid(xp, a[:, : 2 * H])
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        hns[s] = hw[:, 2 * H :]
        xp.multiply(r, hw[:, 2 * H :], out=n)
        n += x[:, 2 * H :]
        xp.tanh(n, out=n)
        h = hs[s + 1]
        xp.multiply(1 - z, n, out=h)
        h += z * hs[s]
    return acts, hns, hs


def _gru_backward(xp, saved, gy, ghn, w_hh, reverse):
    acts, hns, hs = saved
    T, N, G = acts.shape
    H = G // 3
    dx = xp.empty_like(acts)  # step order
    dhw = xp.empty_like(acts)
    dh = xp.zeros((N, H), dtype=acts.dtype) if ghn is None else ghn.copy()
    order = list(_order(T, reverse))
    for s in range(T - 1, -1, -1):
        t = order[s]
        if gy is not None:
            dh += gy[t]
        a, d, e = acts[s], dx[s], dhw[s]
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        dan = dh * (1 - z) * (1 - n * n)
        xp.multiply(dh * (hs[s] - n) * z, 1 - z, out=d[:, H : 2 * H])
        xp.multiply(dan * hns[s] * r, 1 - r, out=d[:, :H])
        d[:, 2 * H :] = dan
        e[:, : 2 * H] = d[:, : 2 * H]
        xp.multiply(dan, r, out=e[:, 2 * H :])
        dh = dh * z + _gemm.matmul(xp, e, w_hh)
    return dx, dhw, dh


class _FusedBackward(Node):
    """Backward of a fused recurrent layer (see the module docstring for the math)."""

    def backward(self, gy, ghn, gcn=None):
        if grad_mode._mode.enabled:  # create_graph: differentiate the per-step Tensor ops instead
            return self._through_tensor_ops(gy, ghn, gcn)
        (w_hh,) = self.saved_tensors  # raises if freed or modified in place since forward
        b_hh = self.tensors[-1]
        xp = gy._xp
        arr = lambda t: None if t is None else t._data
        w = w_hh._data
        if self.mode == "LSTM":
            da, dh0, dc0 = _lstm_backward(xp, self.arrays, arr(gy), arr(ghn), arr(gcn), w, self.reverse)
            dhw = da
        else:
            da, dhw, dh0 = _gru_backward(xp, self.arrays, arr(gy), arr(ghn), w, self.reverse)
            dc0 = None
        hs = self.arrays[2]
        T, N, G = da.shape
        flat = dhw.reshape(T * N, G)
        gw = _gemm.matmul(xp, flat.T, hs[:-1].reshape(T * N, -1))
        gb = flat.sum(0) if b_hh is not None else None
        dxw = da[::-1] if self.reverse else da  # step order -> time order
        grads = [wrap(xp.ascontiguousarray(dxw)), wrap(dh0)]
        if self.mode == "LSTM":
            grads.append(wrap(dc0))
        grads += [wrap(gw), None if gb is None else wrap(gb)]
        return tuple(grads)

    def _through_tensor_ops(self, gy, ghn, gcn):
        mode, reverse = self.mode, self.reverse
        layer = lambda xw, h0, c0, w_hh, b_hh: cells(mode, xw, h0, c0, w_hh, b_hh, reverse)
        full = grads_through_tensor_ops(layer, self.tensors, [gy, ghn] + ([gcn] if mode == "LSTM" else []))
        return tuple(full) if mode == "LSTM" else tuple(full[:2] + full[3:])


def cells(mode, xw, h0, c0, w_hh, b_hh, reverse):
    """The layer from the per-step Tensor ops of nn/rnn.py: [outputs (T, N, H), h_n(, c_n)]."""
    from .rnn import _gru_cell, _lstm_cell
    from ..ops.joining import stack

    steps = xw.unbind(0)
    state = (h0, c0) if mode == "LSTM" else (h0,)
    ys = {}
    for t in _order(len(steps), reverse):
        if mode == "LSTM":
            state = _lstm_cell(steps[t], state[0], state[1], w_hh, b_hh, None)
        else:
            state = (_gru_cell(steps[t], state[0], w_hh, b_hh),)
        ys[t] = state[0]
    return [stack([ys[t] for t in range(len(steps))])] + list(state)


def grads_through_tensor_ops(layer, inputs, gouts):
    """A fused node's input gradients with grad mode on (create_graph): layer(*inputs), rebuilt
    from Tensor ops, differentiated for the outputs' gradients `gouts` (None: unused); None
    for an input that is None or needs no gradient."""
    from ..autograd import grad as _grad

    pairs = [(o, g) for o, g in zip(layer(*inputs), gouts) if g is not None]
    want = [t is not None and t._requires_grad for t in inputs]
    ins = [t for t, w in zip(inputs, want) if w]
    got = iter(_grad([o for o, _ in pairs], ins, [g for _, g in pairs], create_graph=True, allow_unused=True))
    return [next(got) if w else None for w in want]


class MkldnnRnnLayerBackward0(_FusedBackward):
    """The fused float32 LSTM layer (without the oneDNN extra, or right to left), named as
    PyTorch's CPU (oneDNN) LSTM layer node, so grad_fn=<...> prints the same."""


class StackBackward0(_FusedBackward):
    """The other fused layers (GRU; float64 LSTM), named as the node PyTorch's output has."""


def fused_layer(mode, xw, h0, c0, w_hh, b_hh, reverse):
    """One recurrent layer in one direction: (outputs (T, N, H), (h_n, c_n) or (h_n,))."""
    xp = xw._xp
    x, h, w = xw._data, h0._data, w_hh._data
    if x.dtype.name == "float32" and x.__class__ is np.ndarray:
        _onednn.start_pool()  # its products (and the step's sums) on oneDNN's threads from now on
    b = None if b_hh is None else b_hh._data
    if mode == "LSTM":
        arrays = _lstm_forward(xp, x, h, c0._data, w, b, reverse)
        hs, cs = arrays[2], arrays[1]
        outs = (hs[1:], hs[-1], cs[-1])
        inputs = (xw, h0, c0, w_hh, b_hh)
    else:
        arrays = _gru_forward(xp, x, h, w, b, reverse)
        hs = arrays[-1]
        outs = (hs[1:], hs[-1])
        inputs = (xw, h0, w_hh, b_hh)
    y = hs[1:][::-1] if reverse else hs[1:]
    outs = tuple(wrap(xp.ascontiguousarray(a)) for a in (y,) + outs[1:])
    node = MkldnnRnnLayerBackward0 if mode == "LSTM" and x.dtype.name == "float32" else StackBackward0
    attach(
        outs,
        node,
        inputs,
        (w_hh,),
        mode=mode,
        reverse=reverse,
        arrays=arrays,
        tensors=(xw, h0, c0 if mode == "LSTM" else None, w_hh, b_hh),
        n_outputs=len(outs),
        _outputs_meta=[(o._data.shape, o.dtype) for o in outs],
    )
    return outs[0], outs[1:]
