"""A float32 LSTM layer (one direction, left to right) as one oneDNN LSTM primitive, forward and
backward (ops/_lstm_onednn.py), where PyTorch's CPU LSTM runs the same primitive: with the
`onednn` extra, for NumPy arrays, outside autocast. Its outputs and gradients were bit for bit
PyTorch's in tests/nn/test_lstm_onednn.py. Without the extra the fused array loop of
_rnn_fused.py runs (the reference); right-to-left layers stay on it too (oneDNN 3.2's
right-to-left backward gave wrong recurrent-weight gradients at the benchmark's sizes).

The LSTM step of benchmarks/suite/lm.py (2 layers, 256 hidden, batch 32, 64 steps, two threads):
see the README's speed table.
"""

import numpy as np

from ..autograd import grad_mode
from ..autograd.graph import Node, attach
from .._tensor import wrap
from ..ops import _lstm_onednn
from ..ops.linear import linear
from ._rnn_fused import cells, grads_through_tensor_ops


class MkldnnRnnLayerBackward0(Node):
    """dx, dh0, dc0, dW_ih, dW_hh, db by oneDNN's LSTM backward (back-propagation through time
    from the forward's workspace; the math in _rnn_fused.py's docstring); db_ih = db_hh = db.
    With create_graph, the layer is rebuilt from Tensor ops and differentiated instead."""

    def backward(self, gy, ghn, gcn):
        if grad_mode._mode.enabled:
            return self._through_tensor_ops(gy, ghn, gcn)
        self.saved_tensors  # (raises if an input was modified in place since forward)
        arr = lambda t: None if t is None else np.ascontiguousarray(t._data)
        got = _lstm_onednn.backward(self.arrays, arr(gy), arr(ghn), arr(gcn))
        if got is None:  # oneDNN took the forward but refuses its backward: the Tensor ops' gradients
            with grad_mode.enable_grad():
                return tuple(None if g is None else g.detach() for g in self._through_tensor_ops(gy, ghn, gcn))
        gx, gh0, gc0, gw_ih, gw_hh, gb = got
        has_bias = self.tensors[5] is not None
        grads = (gx, gh0, gc0, gw_ih, gw_hh, gb if has_bias else None, gb.copy() if has_bias else None)
        return tuple(None if g is None else wrap(g) for g in grads)

    def _through_tensor_ops(self, gy, ghn, gcn):
        layer = lambda x, h0, c0, w_ih, w_hh, b_ih, b_hh: cells(
            "LSTM", linear(x, w_ih, b_ih), h0, c0, w_hh, b_hh, False
        )
        return tuple(grads_through_tensor_ops(layer, self.tensors, [gy, ghn, gcn]))


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """(outputs (T, N, H), (h_n, c_n)) of one left-to-right LSTM layer on oneDNN, or None where
    this path is not taken (not float32 NumPy arrays, the extra off, oneDNN refused the shapes)."""
    inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
    arrays = [None if t is None else t._data for t in inputs]
    if not _lstm_onednn.usable(*[a for a in arrays if a is not None]):
        return None
    xa, h0a, c0a, wi, wh = (np.ascontiguousarray(a) for a in arrays[:5])
    b = _lstm_onednn.bias(arrays[5], arrays[6], wi)
    training = grad_mode._mode.enabled and any(t is not None and t._requires_grad for t in inputs)
    got = _lstm_onednn.forward(xa, h0a, c0a, wi, wh, b, training)
    if got is None:
        return None
    y, hn, cn, workspace = got
    outs = (wrap(y), wrap(hn), wrap(cn))
    if training:
        attach(
            outs,
            MkldnnRnnLayerBackward0,
            inputs,
            tuple(t for t in inputs if t is not None),
            arrays=(xa, h0a, c0a, wi, wh, b, y, hn, cn, workspace),
            tensors=inputs,
            n_outputs=3,
            _outputs_meta=[(o._data.shape, o.dtype) for o in outs],
        )
    return outs[0], outs[1:]
