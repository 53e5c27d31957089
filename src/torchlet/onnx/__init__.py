"""torchlet.onnx: `export(model, args, f, input_names=, output_names=, dynamic_axes=,
opset_version=)` writes a real ONNX model through the `onnx` package
(`pip install "torchlet[onnx]"`).

How it traces: the model runs once on `args` (in eval mode, no grad) while the op
hook of torchlet.profiler (`profiler/_hook.py`) sees every op call. Each top-level
op call (an op called from model code, not from inside another op) becomes ONNX
nodes through its converter in `_ops.py`; LSTM and GRU modules are converted
whole (`_layers.py`). Tensors the model did not compute from its inputs
(parameters, buffers, tensors made in forward) become initializers holding their
values. Shapes are those of the example inputs, except the axes `dynamic_axes`
names; a shape the model computed in Python (`x.view(x.size(0), -1)`) is fixed
at its traced value, as in PyTorch's TorchScript exporter. An op or layer with no
converter raises `torchlet.onnx.errors.UnsupportedOperatorError`.
"""

import contextlib
import enum
import io
import os

from . import errors
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = [
    "export",
    "is_in_onnx_export",
    "TrainingMode",
    "OperatorExportTypes",
    "errors",
    "OnnxExporterError",
    "UnsupportedOperatorError",
]

_exporting = [False]


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


def is_in_onnx_export():
    return _exporting[0]


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ModuleNotFoundError(
            "No module named 'onnx': torchlet.onnx.export writes models through the "
            'onnx package; pip install "torchlet[onnx]"'
        ) from None
    return onnx


class _Tracer:
    """Receives op calls from the profiler hook; converts the top-level ones."""

    def __init__(self, graph):
        self.g, self.depth, self.error, self.active = graph, 0, None, True

    def begin(self, name, args=(), kwargs=None, fn=None, user=False):
        top = self.depth == 0
        self.depth += 1
        return (name.split("::", 1)[-1], args, kwargs or {}, fn, top)

    def end(self, ev, out=None):
        self.depth -= 1
        name, args, kwargs, fn, top = ev
        if not top or out is None or self.error is not None:
            return
        from ._ops import CONVERTERS
        from . import _layers

        conv = CONVERTERS.get(name)
        self.depth += 1  # a converter's own tensor calls are not part of the model
        try:
            if conv is None:
                raise UnsupportedOperatorError(f"aten::{name}", self.g.opset)
            conv(self.g, name, args, kwargs, out, fn)
        except OnnxExporterError as e:
            self.error = e
        finally:
            self.depth -= 1

    @contextlib.contextmanager
    def leaf(self):
        self.depth += 1
        try:
            yield self.depth == 1
        finally:
            self.depth -= 1


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flat(item)]
    if isinstance(x, dict):
        return [t for item in x.values() for t in _flat(item)]
    return [x]


def _trace(model, args, kwargs, opset):
    from .. import Tensor
    from ..autograd.grad_mode import no_grad
    from ..nn.module import Module
    from ..profiler import _hook
    from ._graph import Graph
    from ._layers import rnn_module

    params = {}
    if isinstance(model, Module):
        for n, t in list(model.named_parameters()) + list(model.named_buffers()):
            params.setdefault(id(t), n)
    g = Graph(opset, params)
    tracer = _Tracer(g)
    inputs = [a for a in _flat(args) + _flat(kwargs) if isinstance(a, Tensor)]
    leaf_types = {"LSTM", "GRU"}
    original_call = Module.__call__

    def call(mod, *a, **kw):
        if type(mod).__name__ not in leaf_types:
            return original_call(mod, *a, **kw)
        with tracer.leaf() as top:
            out = original_call(mod, *a, **kw)
            if top and tracer.error is None:
                try:
                    rnn_module(g, mod, a, kw, out)
                except OnnxExporterError as e:
                    tracer.error = e
        return out

    owners = list(model.modules()) if isinstance(model, Module) else []
    _hook.install(tracer, owners)
    Module.__call__ = call
    _exporting[0] = True
    try:
        with no_grad():
            for i, t in enumerate(inputs):
                g.bind(t, f"/input_{i}")
            out = model(*args, **kwargs)
    finally:
        _exporting[0] = False
        tracer.active = False
        Module.__call__ = original_call
        _hook.uninstall()
    if tracer.error is not None:
        raise tracer.error
    outputs = [o for o in _flat(out) if isinstance(o, Tensor)]
    return g, inputs, outputs


_DTYPES = {
    "float32": 1,
    "uint8": 2,
    "int8": 3,
    "int16": 5,
    "int32": 6,
    "int64": 7,
    "bool": 9,
    "float16": 10,
    "float64": 11,
    "bfloat16": 16,
}


def _value_info(helper, name, t, dyn):
    dims = [dyn.get(i, s) for i, s in enumerate(t.shape)]
    return helper.make_tensor_value_info(name, _DTYPES[str(t.dtype).split(".")[-1]], dims)


def _dyn_axes(spec):
    if spec is None:
        return {}
    if isinstance(spec, dict):
        return {int(k): v for k, v in spec.items()}
    return {int(k): f"dim_{k}" for k in spec}


def export(
    model,
    args=(),
    f=None,
    *,
    kwargs=None,
    export_params=True,
    verbose=None,
    input_names=None,
    output_names=None,
    opset_version=None,
    dynamic_axes=None,
    keep_initializers_as_inputs=False,
    dynamo=False,
    training=TrainingMode.EVAL,
    do_constant_folding=True,
    external_data=False,
    dynamic_shapes=None,
    report=False,
    optimize=False,
    verify=False,
    profile=False,
    dump_exported_program=False,
    artifacts_dir=".",
    fallback=False,
    custom_opsets=None,
    operator_export_type=None,
    export_modules_as_functions=False,
    autograd_inlining=True,
):
    """Trace `model(*args, **kwargs)` and write it to `f` (a path or a binary file) as ONNX.
    Returns None (PyTorch's TorchScript exporter's result)."""
    onnx = _onnx()
    from onnx import helper

    opset = 17 if opset_version is None else int(opset_version)
    if opset < 13:
        raise ValueError(f"Unsupported ONNX opset version: {opset}. torchlet's exporter writes opset 13 and later.")
    from .. import Tensor

    if isinstance(args, Tensor):
        args = (args,)
    args, kwargs = tuple(args), dict(kwargs or {})
    if args and isinstance(args[-1], dict) and not kwargs:
        args, kwargs = args[:-1], args[-1]
    from ..nn.module import Module

    was_training = model.training if isinstance(model, Module) else None
    if isinstance(model, Module) and training == TrainingMode.EVAL:
        model.eval()
    try:
        g, inputs, outputs = _trace(model, args, kwargs, opset)
    finally:
        if was_training is not None:
            model.train(was_training)
    in_names = list(input_names or [])
    in_names += [f"input_{i}" for i in range(len(in_names), len(inputs))]
    out_names = list(output_names or []) + [
        f"output_{i}" if i else "output" for i in range(len(output_names or []), len(outputs))
    ]
    dynamic_axes = dynamic_axes or {}
    # rename the traced input values to the user's names
    rename = {f"/input_{i}": n for i, n in enumerate(in_names)}
    for node in g.nodes:
        node.input[:] = [rename.get(x, x) for x in node.input]
    nodes = list(g.nodes)
    for t, name in zip(outputs, out_names):
        src = g.names.get(id(t))
        if src is None:
            src = g.val(t)
        nodes.append(helper.make_node("Identity", [rename.get(src, src)], [name], name=f"/output/{name}"))
    graph = helper.make_graph(
        nodes,
        type(model).__name__ if isinstance(model, Module) else "main_graph",
        [_value_info(helper, n, t, _dyn_axes(dynamic_axes.get(n))) for n, t in zip(in_names, inputs)],
        [_value_info(helper, n, t, _dyn_axes(dynamic_axes.get(n))) for n, t in zip(out_names, outputs)],
        initializer=g.initializers,
    )
    used = {x for n in nodes for x in n.input}
    del graph.initializer[:]
    graph.initializer.extend(i for i in g.initializers if i.name in used)
    if keep_initializers_as_inputs:
        graph.input.extend(helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in graph.initializer)
    m = helper.make_model(
        graph, producer_name="torchlet", producer_version=_version(), opset_imports=[helper.make_opsetid("", opset)]
    )
    m.ir_version = min(m.ir_version, 8 if opset <= 18 else 9)
    onnx.checker.check_model(m)
    data = m.SerializeToString()
    if f is None:
        return None
    if isinstance(f, (str, os.PathLike)):
        from .._atomic import atomic_open

        with atomic_open(f) as fh:
            fh.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    return None


def _version():
    from .. import __version__

    return __version__
