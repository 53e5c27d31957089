"""Building the ONNX graph while the model runs: values, initializers, nodes.

`Graph.val(x)` names a value: a traced tensor by the name it was given, any other
tensor (a parameter, a buffer, a tensor made inside forward) as an initializer
holding its current value, a Python number as a constant. `Graph.node(...)` adds a
node and returns its output names."""

import numpy as np

from .errors import UnsupportedOperatorError

_INT64_MAX = np.iinfo(np.int64).max


class Graph:
    def __init__(self, opset, param_names):
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.names = {}  # id(tensor) -> value name
        self.keep = []  # traced tensors, alive so ids stay unique
        self.param_names = param_names  # id(parameter/buffer) -> its state_dict name
        self._count = 0

    def fresh(self, hint="v"):
        self._count += 1
        return f"/{hint}_{self._count}"

    def bind(self, tensor, name):
        self.names[id(tensor)] = name
        self.keep.append(tensor)
        return name

    def const(self, array, hint="const"):
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def ints(self, values):
        return self.const(np.array(values, dtype=np.int64), "ints")

    def val(self, x, like=None):
        """The value name for `x` (a Tensor or a Python number)."""
        from .._tensor import Tensor

        if isinstance(x, Tensor):
            name = self.names.get(id(x))
            if name is None:
                arr = np.asarray(x._data)
                name = self.param_names.get(id(x)) or self.fresh("const")
                self.initializers.append(self.numpy_helper.from_array(np.array(arr, order="C"), name))
                self.bind(x, name)
            return name
        if isinstance(x, (bool, int, float)):
            dt = np.float32 if like is None else np.asarray(like.detach().numpy()).dtype
            return self.const(np.array(x, dtype=dt), "scalar")
        raise UnsupportedOperatorError(f"value of type {type(x).__name__}", self.opset)

    def node(self, op, inputs, n_out=1, hint=None, **attrs):
        outs = [self.fresh(hint or op) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op, list(inputs), outs, name=self.fresh(op + "_node"), **attrs))
        return outs if n_out > 1 else outs[0]

    def out(self, tensor, name):
        """Bind a result tensor to the node output `name`."""
        self.bind(tensor, name)
        return name
