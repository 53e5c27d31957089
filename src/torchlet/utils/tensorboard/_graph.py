"""A TensorBoard GraphDef of one forward pass of a torchlet nn.Module.

PyTorch traces with the JIT; torchlet has no JIT, so the graph is recovered
from one forward run in eval mode with grad recording on:
  * every call of a leaf module (one without children) becomes one node, op = its
    class name, named by its scope as PyTorch names scopes:
    ``Net/Sequential[features]/Conv2d[0]`` (``_1``, ``_2``... for repeated calls);
  * autograd nodes created outside leaf modules (F.relu, view, +, ...) become op
    nodes (op = the grad_fn name without ``Backward<k>``) in the scope of the
    innermost module whose forward created them;
  * inputs / outputs are ``input/input.<i>`` / ``output/output.<i>`` IO nodes.
Edges follow the data: a leaf module's input tensor is matched by identity to the
node that returned it, otherwise its grad_fn chain is followed back (through op
nodes) to the leaf module call, op or input that produced it.  Module calls are
ordered with the autograd graph's node sequence numbers (`Node._seq`).
Nodes carry `_output_shapes` (and the module's extra_repr as `attr`) so the
Graphs dashboard shows tensor shapes on the edges.
"""

import re

__all__ = ["graph"]

_BACKWARD = re.compile(r"Backward\d*$")


def _tensors(obj):
    """Tensors in a (nested) tuple / list / dict forward result, in order."""
    from ..._tensor import Tensor

    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


def _next_seq():
    """The next autograd sequence number (consumes one; they only need to be increasing)."""
    from ...autograd import graph as ag

    return next(ag._sequence)


class _Node:
    __slots__ = ("name", "op", "inputs", "shape", "dtype", "attr", "scope", "seq")

    def __init__(self, name, op, scope="", seq=0):
        self.name, self.op, self.scope, self.seq = name, op, scope, seq
        self.inputs, self.shape, self.dtype, self.attr = [], None, None, None


class _Tracer:
    def __init__(self, model):
        self.model = model
        self.names = {}  # module -> scope path, e.g. "Net/Sequential[features]/Conv2d[0]"
        root = type(model).__name__
        for path, mod in model.named_modules():
            if not path:
                self.names[mod] = root
            else:
                parent = model.get_submodule(path.rsplit(".", 1)[0]) if "." in path else model
                self.names[mod] = f"{self.names[parent]}/{type(mod).__name__}[{path.rsplit('.', 1)[-1]}]"
        self.leaf_calls = []  # (start, end, node) of finished leaf-module calls
        self.scope_calls = []  # (start, end, scope) of finished non-leaf calls
        self.stack = []
        self.producer = {}  # id(tensor) -> node that returned it
        self.keep = []  # keeps those tensors alive, so ids are not reused
        self.by_fn = {}  # id(grad_fn) -> node (op nodes and inputs)
        self.nodes = []
        self.counts = {}
        self.input_leaves = {}  # id(AccumulateGrad variable) -> input node

    # ----- hooks -----------------------------------------------------------
    def pre_hook(self, module, args):
        self.stack.append(_next_seq())

    def hook(self, module, args, output):
        start, end = self.stack.pop(), _next_seq()
        name = self.names.get(module, type(module).__name__)
        if module._modules and any(m is not None for m in module._modules.values()):
            self.scope_calls.append((start, end, name))
            return
        node = self._add(name, type(module).__name__, seq=start)
        node.attr = module.extra_repr()
        for t in _tensors(args):
            src = self.source_of_tensor(t)
            if src is not None and src not in node.inputs:
                node.inputs.append(src)
        outs = _tensors(output)
        if outs:
            node.shape, node.dtype = tuple(outs[0].shape), outs[0].dtype
        for t in outs:
            self.producer[id(t)] = node
            self.keep.append(t)
        self.leaf_calls.append((start, end, node))

    # ----- nodes -----------------------------------------------------------
    def _add(self, name, op, scope="", seq=0):
        k = self.counts.get(name, 0)
        self.counts[name] = k + 1
        node = _Node(name if k == 0 else f"{name}_{k}", op, scope, seq)
        self.nodes.append(node)
        return node

    def add_input(self, i, t):
        node = self._add(f"input/input.{i + 1}", "IO Node")
        node.shape, node.dtype = tuple(t.shape), t.dtype
        self.producer[id(t)] = node
        self.keep.append(t)
        if t.grad_fn is None and t.requires_grad:
            self.input_leaves[id(t)] = node
        return node

    def source_of_tensor(self, t):
        node = self.producer.get(id(t))
        if node is not None:
            return node
        if t.grad_fn is not None:
            return self.source_of_fn(t.grad_fn, tuple(t.shape), t.dtype)
        return None

    def _leaf_of(self, seq):
        for start, end, node in reversed(self.leaf_calls):
            if start < seq < end:
                return node
        return None

    def source_of_fn(self, fn, shape=None, dtype=None):
        """The graph node that produced the output of autograd node `fn` (None for parameters).
        New op nodes are linked to their inputs with a work list (no recursion: long chains of
        functional ops stay fine)."""
        pending = []
        node = self._node_of_fn(fn, shape, dtype, pending)
        while pending:
            f, n = pending.pop()
            meta = getattr(f, "input_meta", None) or ()
            for i, (nf, _) in enumerate(f.next_functions):
                if nf is None:
                    continue
                m = meta[i] if i < len(meta) else None
                src = self._node_of_fn(nf, tuple(m[0]) if m else None, None, pending)
                if src is not None and src not in n.inputs:
                    n.inputs.append(src)
        return node

    def _node_of_fn(self, fn, shape, dtype, pending):
        node = self.by_fn.get(id(fn))
        if node is not None:
            return node
        if type(fn).__name__ == "AccumulateGrad":
            var = getattr(fn, "variable", None)
            return self.input_leaves.get(id(var)) if var is not None else None
        seq = getattr(fn, "_seq", None)
        if seq is not None:
            leaf = self._leaf_of(seq)
            if leaf is not None:
                return leaf
        op = _BACKWARD.sub("", type(fn).__name__) or type(fn).__name__
        node = _Node(None, op, seq=seq or 0)
        node.shape, node.dtype = shape, dtype
        self.by_fn[id(fn)] = node
        self.nodes.append(node)
        pending.append((fn, node))
        return node

    def name_ops(self):
        """Op nodes get names (numbered in forward order) in the innermost module scope that
        created them; nodes are put in forward order."""
        self.nodes.sort(key=lambda n: n.seq)
        for node in self.nodes:
            if node.name is not None:
                continue
            scope, width = self.names[self.model], None
            for start, end, name in self.scope_calls:
                if start < node.seq < end and (width is None or end - start < width):
                    scope, width = name, end - start
            base = f"{scope}/{node.op.lower()}"
            k = self.counts.get(base, 0)
            self.counts[base] = k + 1
            node.name = base if k == 0 else f"{base}_{k}"


def _node_def(node):
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

    attr = {}
    if node.attr:
        attr["attr"] = AttrValue(s=node.attr.encode("utf-8"))
    if node.dtype is not None:
        attr["dtype"] = AttrValue(s=str(node.dtype).encode("utf-8"))
    if node.shape is not None:
        shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in node.shape])
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[shape]))
    return NodeDef(name=node.name, op=node.op, input=[i.name for i in node.inputs], device="/device:CPU:0", attr=attr)


def graph(model, input_to_model=None, verbose=False):
    """(GraphDef, RunMetadata) of one forward of `model` on `input_to_model`."""
    from tensorboard.compat.proto.config_pb2 import RunMetadata
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
    from tensorboard.compat.proto.versions_pb2 import VersionDef

    from ... import autograd
    from ..._tensor import Tensor

    if input_to_model is None:
        args = ()
    elif isinstance(input_to_model, (tuple, list)):
        args = tuple(input_to_model)
    else:
        args = (input_to_model,)
    tracer = _Tracer(model)
    traced_args = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.detach()
            if a.is_floating_point():
                a.requires_grad_(True)
        traced_args.append(a)
    for i, t in enumerate(_tensors(traced_args)):
        tracer.add_input(i, t)

    handles = []
    for mod in tracer.names:
        handles.append(mod.register_forward_pre_hook(tracer.pre_hook))
        handles.append(mod.register_forward_hook(tracer.hook))
    was_training = model.training
    model.train(False)
    try:
        with autograd.enable_grad():
            out = model(*traced_args)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    for i, t in enumerate(_tensors(out)):
        node = tracer._add(f"output/output.{i + 1}", "IO Node", seq=_next_seq())
        node.shape, node.dtype = tuple(t.shape), t.dtype
        src = tracer.source_of_tensor(t)
        if src is not None:
            node.inputs.append(src)
    tracer.name_ops()
    nodes = [_node_def(n) for n in tracer.nodes]
    if verbose:
        for n in nodes:
            print(n)
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stats
