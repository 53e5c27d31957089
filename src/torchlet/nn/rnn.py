"""Recurrent layers: RNN, LSTM, GRU and their cells, with PyTorch's parameter
names (weight_ih_l0, weight_hh_l0_reverse, ...), gate order, init and shapes.

Per layer and direction the input projection of all time steps is one
matmul (x W_ih^T + b_ih for the whole sequence); only the recurrence
h_t = cell(xW_t, h_{t-1}) loops over time. LSTM and GRU layers without
projection (float32 / float64, unpacked input) run that loop as one fused
autograd node on arrays (see _rnn_fused.py); the rest, and packed sequences,
run the per-step Tensor ops below. Gates, in PyTorch's order:

  RNN:  h' = act(xW + h W_hh^T + b_hh)
  LSTM: i, f, g, o = chunks of xW + h W_hh^T + b_hh
        c' = sigmoid(f) c + sigmoid(i) tanh(g);  h' = sigmoid(o) tanh(c')  (then h' W_hr^T)
  GRU:  r, z, n: r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r * hn)
        h' = (1 - z) n + z h
Autograd runs through these Tensor ops (or the fused node's hand-written BPTT).
"""

import math
import numbers
import warnings

from ..ops.creation import empty, zeros
from ..ops.dropout import dropout as _dropout
from ..ops.linear import linear
from ..ops.joining import cat, stack
from .. import _dtype
from . import init
from ._rnn_fused import fused_layer
from ._rnn_onednn import lstm_layer
from .module import Module
from .parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_FUSED_DTYPES = (_dtype.float32, _dtype.float64)


def _rnn_cell(xw, h, w_hh, b_hh, relu):
    z = xw + linear(h, w_hh, b_hh)
    return z.relu() if relu else z.tanh()


def _lstm_cell(xw, h, c, w_hh, b_hh, w_hr):
    i, f, g, o = (xw + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = linear(h, w_hr)
    return h, c


def _gru_cell(xw, h, w_hh, b_hh):
    xr, xz, xn = xw.chunk(3, -1)
    hr, hz, hn = linear(h, w_hh, b_hh).chunk(3, -1)
    r = (xr + hr).sigmoid()
    z = (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return (h - n) * z + n  # = (1 - z) n + z h, in PyTorch's order (its roundings in half precision)


class RNNBase(Module):
    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}"
            )
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = _GATES.get(mode)
        if gate_size is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size *= hidden_size
        kw = {} if dtype is None else {"dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                shapes = [("weight_ih", (gate_size, layer_in)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        pass

    def reset_parameters(self):
        # every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ----- forward ------------------------------------------------------------
    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def _prepare(self, input, hx):
        """(T, N, F) input, the initial states as lists per (layer, direction), and
        whether the input was batched."""
        name = type(self).__name__
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
        batched = input.dim() == 3
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        w = self.weight_ih_l0
        if input.dtype is not w.dtype:
            t_in, t_w = repr(input.dtype).replace("torchlet.", "torch."), repr(w.dtype).replace("torchlet.", "torch.")
            raise ValueError(
                f"RNN input dtype ({t_in}) does not match weight dtype ({t_w}). Convert input: "
                f"input.to({t_w}), or convert model: model.to({t_in})"
            )
        if not batched:
            input = input.unsqueeze(1)
            states = hx if hx is None or isinstance(hx, tuple) else (hx,)
            if states is not None:
                for h in states:
                    if h.dim() != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h.dim()}-D tensor")
                states = tuple(h.unsqueeze(1) for h in states)
                hx = states if isinstance(hx, tuple) else states[0]
        elif self.batch_first:
            input = input.transpose(0, 1)
        elif hx is not None:
            for h in hx if isinstance(hx, tuple) else (hx,):
                if h.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h.dim()}-D tensor")
        return input, hx, batched

    def _run(self, x, states, batch_sizes=None):
        """Run all layers; `states` is a list of state tuples per (layer, direction).
        With `batch_sizes` (a packed sequence), x is the packed (N, F) data and step t
        updates only the first batch_sizes[t] rows of the state."""
        if batch_sizes is not None:
            return self._run_packed(x, states, batch_sizes)
        from ..amp.autocast_mode import is_autocast_enabled

        D = 2 if self.bidirectional else 1
        # Under autocast the layer runs as PyTorch's CPU cells do: per step, each linear cast
        # by autocast, the gate arithmetic in the dtypes that gives (the fused node would not).
        fused = x.dtype in _FUSED_DTYPES and not is_autocast_enabled(x.device.type)
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                names = self._all_weights[layer * D + d]
                w = [getattr(self, n) for n in names]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size > 0 else None
                state = states[layer * D + d]
                on_onednn = None
                if w_hr is None and self.mode == "LSTM" and fused and d == 0:
                    on_onednn = lstm_layer(x, state[0], state[1], w_ih, w_hh, b_ih, b_hh)  # None: not taken
                if on_onednn is not None:
                    outs.append(on_onednn[0])
                    finals.append(on_onednn[1])
                    continue
                if w_hr is None and self.mode in ("LSTM", "GRU") and fused:
                    y, state = fused_layer(
                        self.mode,
                        linear(x, w_ih, b_ih),
                        state[0],
                        state[1] if self.mode == "LSTM" else None,
                        w_hh,
                        b_hh,
                        d == 1,
                    )
                    outs.append(y)
                    finals.append(state)
                    continue
                steps = linear(x, w_ih, b_ih).unbind(0)
                if d == 1:
                    steps = steps[::-1]
                ys = []
                for xw in steps:
                    state = self._cell(xw, state, w_hh, b_hh, w_hr)
                    ys.append(state[0])
                if d == 1:
                    ys = ys[::-1]
                outs.append(stack(ys))
                finals.append(state)
            x = outs[0] if D == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        return x, finals

    def _run_packed(self, x, states, batch_sizes):
        """The packed recurrence: a sequence that has ended keeps its last state; in the
        reverse direction a sequence starts from its initial state at its own last step."""
        D = 2 if self.bidirectional else 1
        B = batch_sizes[0]
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                names = self._all_weights[layer * D + d]
                w = [getattr(self, n) for n in names]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size > 0 else None
                steps = list(zip(linear(x, w[0], b_ih).split(batch_sizes, 0), batch_sizes))
                if d == 1:
                    steps = steps[::-1]
                state = states[layer * D + d]
                ys = []
                for xw, k in steps:
                    if k == B:
                        state = self._cell(xw, state, w[1], b_hh, w_hr)
                        ys.append(state[0])
                        continue
                    live = self._cell(xw, tuple(s[:k] for s in state), w[1], b_hh, w_hr)
                    state = tuple(cat([a, s[k:]]) for a, s in zip(live, state))
                    ys.append(live[0])
                if d == 1:
                    ys = ys[::-1]
                outs.append(cat(ys))
                finals.append(state)
            x = outs[0] if D == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        return x, finals

    def _cell(self, xw, state, w_hh, b_hh, w_hr):
        if self.mode == "LSTM":
            return _lstm_cell(xw, state[0], state[1], w_hh, b_hh, w_hr)
        if self.mode == "GRU":
            return (_gru_cell(xw, state[0], w_hh, b_hh),)
        return (_rnn_cell(xw, state[0], w_hh, b_hh, self.mode == "RNN_RELU"),)

    def _prepare_packed(self, packed, hx):
        """The packed data and hx in the packed (length-sorted) batch order."""
        data, batch_sizes, sorted_indices, _ = packed
        if data.dim() != 2:
            raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}"
            )
        if hx is not None and sorted_indices is not None:
            hx = _permute_hidden(hx, sorted_indices)
        return data, hx, [int(b) for b in batch_sizes.tolist()]

    def forward(self, input, hx=None):
        from .utils.rnn import PackedSequence

        packed = input if isinstance(input, PackedSequence) else None
        if packed is not None:
            x, hx, batch_sizes = self._prepare_packed(packed, hx)
            batched, N = True, batch_sizes[0]
        else:
            x, hx, batched = self._prepare(input, hx)
            batch_sizes, N = None, x.shape[1]
        D = 2 if self.bidirectional else 1
        H_out = self.proj_size if self.proj_size > 0 else self.hidden_size
        LD = self.num_layers * D
        if self.mode == "LSTM":
            if hx is None:
                h0 = zeros(LD, N, H_out, dtype=x.dtype, device=x.device)
                c0 = zeros(LD, N, self.hidden_size, dtype=x.dtype, device=x.device)
            else:
                h0, c0 = hx
                self._check_hidden(h0, (LD, N, H_out), "Expected hidden[0] size {}, got {}")
                self._check_hidden(c0, (LD, N, self.hidden_size), "Expected hidden[1] size {}, got {}")
            states = list(zip(h0.unbind(0), c0.unbind(0)))
        else:
            h0 = zeros(LD, N, self.hidden_size, dtype=x.dtype, device=x.device) if hx is None else hx
            self._check_hidden(h0, (LD, N, self.hidden_size))
            states = [(h,) for h in h0.unbind(0)]
        out, finals = self._run(x, states, batch_sizes)
        h_n = stack([s[0] for s in finals])
        if self.mode == "LSTM":
            c_n = stack([s[1] for s in finals])
        if packed is not None:
            hidden = (h_n, c_n) if self.mode == "LSTM" else h_n
            if packed.unsorted_indices is not None:
                hidden = _permute_hidden(hidden, packed.unsorted_indices)
            return PackedSequence(out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), hidden
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            if self.mode == "LSTM":
                c_n = c_n.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return (out, (h_n, c_n)) if self.mode == "LSTM" else (out, h_n)


def _permute_hidden(hx, permutation):
    """hx (or LSTM's (h, c)) with its batch dim reordered by `permutation`."""
    if isinstance(hx, tuple):
        return tuple(h.index_select(1, permutation) for h in hx)
    return hx.index_select(1, permutation)


class RNN(RNNBase):
    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        proj_size=0,
    ):
        if proj_size:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


class GRU(RNNBase):
    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        proj_size=0,
    ):
        if proj_size:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )


# ----- cells --------------------------------------------------------------------
class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {} if dtype is None else {"dtype": dtype}
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, **kw))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = hx if hx is None or isinstance(hx, tuple) else (hx,)
        if states is not None:
            for h in states:
                if h.dim() not in (1, 2):
                    raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected {self.input_size}")
        if states is None:
            states = tuple(zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device) for _ in range(n_states))
        else:
            states = tuple(h if batched else h.unsqueeze(0) for h in states)
        for i, h in enumerate(states):
            if h.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected {self.hidden_size}"
                )
        return x, states, batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        h = _rnn_cell(
            linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh, self.nonlinearity == "relu"
        )
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = _lstm_cell(linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        h = _gru_cell(linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)
