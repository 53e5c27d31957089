"""Helpers every op file shares: method registration, operand promotion,
gradient reduction to an input's shape, dims, and the in-place protocol."""

import numpy as np

from .. import _dtype
from ._args import int_arg
from ._table import method, methods
from ._cast import ToCopyBackward0
from .._size import Size
from .._device import namespace as _namespace, host as _host, writeable as _writeable
from .._tensor import Tensor, wrap, _view_of, _wrap_dim
from ..autograd import grad_mode
from ..autograd.graph import Node, SavedOutputs, TwoPathNode, attach, edge_of, no_grad_view_error, refresh_view

__all__ = [
    "method",
    "methods",
    "Tensor",
    "wrap",
    "attach",
    "Node",
    "TwoPathNode",
    "sum_to_shape",
    "reduce_grad",
    "binary_arrays",
    "wrap_dim",
    "dims_of",
    "inplace",
    "view",
    "grad_enabled",
    "float_result",
    "broadcast_shape",
    "broadcast_error",
    "broadcast_shapes",
]

_mode = grad_mode._mode
_FROM_NP = _dtype._FROM_NP


def grad_enabled():
    return _mode.enabled


def wrap_dim(dim, ndim):
    if type(dim) is not int:
        dim = int_arg(dim, "dim")
    return _wrap_dim(dim, ndim)


def dims_of(dim, ndim):
    """`dim` (None, int or sequence) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if not isinstance(dim, (tuple, list)):
        return (wrap_dim(dim, ndim),)
    out = tuple(sorted(wrap_dim(d, ndim) for d in dim))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def sum_to_shape(g, shape):
    """Sum gradient `g` over the dims broadcasting added or expanded to reach
    `g.shape` from `shape` (the one place broadcasting is undone)."""
    gshape = g._data.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    elif g._data.shape != shape:
        g = g.reshape(shape)
    return g


def reduce_grad(g, meta):
    """Gradient `g` brought to an input's (shape, dtype) `meta` (node.input_meta[i])."""
    if g is None or meta is None:
        return None
    shape, dt = meta
    g = sum_to_shape(g, shape)
    if g._data.dtype != dt:
        if g._data.dtype.kind == "c" and dt.kind != "c":
            g = g.real  # a real input of a complex op: PyTorch keeps the real part
        g = g.to(_FROM_NP[dt])
    return g


def _scalar_ok(x):
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def _device_error(tensors):
    """PyTorch's RuntimeError for tensors on two devices; the first device named is the first
    one that is not the CPU (TensorIterator's common device), then the first that differs."""
    devs = [t.device for t in tensors]
    common = next((d for d in devs if d.type != "cpu"), devs[0])
    other = next(d for d in devs if d != common)
    if common.type == "meta":  # the meta kernels check their inputs' devices themselves
        return RuntimeError(f"Tensor on device {other} is not on the expected device meta!")
    return RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, {common} and {other}!"
    )


def _cpu_scalar(a):
    return a.ndim == 0 and type(a) is np.ndarray


def _one_device(tensors, arrays, cpu_scalars_join):
    """The device check, for callers that found their tensors' arrays in two namespaces (the
    common all-one-namespace path never comes here). Returns the arrays, all usable together:
    with `cpu_scalars_join` (TensorIterator's ops) a 0-d CPU tensor's array moves to the
    others' device, as PyTorch lets it; two namespaces of one device (vmap's batched arrays)
    are no mismatch; anything else is PyTorch's device error."""
    if cpu_scalars_join:
        home = next((a for a in arrays if not _cpu_scalar(a)), None)
        if home is not None:
            ns = _namespace(home)
            arrays = [_namespace_of(a, home) if _cpu_scalar(a) and _namespace(a) is not ns else a for a in arrays]
            if all(_namespace(a) is ns for a in arrays):
                return arrays
    if len({t.device for t in tensors}) > 1:
        raise _device_error(tensors)
    return arrays


_BITS = {np.dtype(t): np.dtype(i) for t, i in ((np.float16, np.int16), (np.float32, np.int32), (np.float64, np.int64))}
_SMALL = 256  # elements: below, np.where's one call is cheaper than the mask's


def zero_array(d, drop, out=None):
    """NumPy float array d with +0.0 where bool array `drop` (broadcastable to it; consumed: it is
    overwritten) holds, in a new array (or `out`). A bitwise and of d's bits with drop turned
    into an all-ones or all-zeros mask in place (drop - 1 as int8, widened inside the and), so
    NaN, inf and -0.0 pass where kept. np.where and masked copies ran ~10x slower on an
    activation's scattered masks; this costs what a multiply by the mask did (256x256: 22 us
    against 26, 64x64x16x16: 0.61 ms against 0.59)."""
    bits = _BITS.get(d.dtype)
    drop = np.asarray(drop, dtype=bool)
    if bits is None or d.size < _SMALL:
        res = np.where(drop, d.dtype.type(0), d)
        if out is None:
            return res
        out[...] = res
        return out
    mask = (drop if drop.flags.writeable else drop.copy()).view(np.int8)
    mask -= 1  # drop: 0; keep: -1, every bit set
    if out is None:
        out = np.empty(d.shape if drop.shape == d.shape else np.broadcast_shapes(d.shape, drop.shape), d.dtype)
    np.bitwise_and(d.view(bits), mask, out=out.view(bits))
    return out


def same_device(*tensors):
    """Raise PyTorch's RuntimeError unless all tensors (None skipped) are on one device. A test
    of the arrays' namespaces: a dict lookup per tensor, nothing on the all-NumPy path."""
    if len(tensors) == 2:  # most ops: two tensors whose arrays are of one type share a namespace
        a, b = tensors
        if a is not None and b is not None and type(a._data) is type(b._data):
            return
    elif len(tensors) == 3:  # linear, batch norm: the same test, a bias that may be None
        a, b, c = tensors
        if a is not None and b is not None and type(a._data) is type(b._data):
            if c is None or type(c._data) is type(a._data):
                return
    tensors = [t for t in tensors if t is not None]
    ns = _namespace(tensors[0]._data)
    for t in tensors[1:]:
        if _namespace(t._data) is not ns:
            _one_device(tensors, [u._data for u in tensors], cpu_scalars_join=False)
            return


def _namespace_of(scalar, other):
    """A 0-d CPU tensor's array moved to `other`'s device (PyTorch lets CPU scalars join any device)."""
    return _namespace(other).asarray(_host(scalar))


def binary_arrays(a, b):
    """Arrays for a pointwise op on a and b (tensors or scalars) in PyTorch's
    promoted dtype. A scalar stays a Python scalar when the tensor's dtype
    already covers it (NumPy then keeps the tensor's dtype). Tensors on two
    devices raise PyTorch's RuntimeError, except a 0-d CPU tensor, which joins
    the other's device."""
    if type(b) is Tensor or isinstance(b, Tensor):
        da, db = a._data, b._data
        if type(da) is not type(db) and _namespace(da) is not _namespace(db):  # one array type: one namespace
            da, db = _one_device((a, b), (da, db), cpu_scalars_join=True)
        if da.dtype == db.dtype:
            return da, db
        groups = ([], [], [])
        for t in (a, b):
            groups[0 if t._data.ndim else 1].append(_FROM_NP[t._data.dtype])
        rt = _dtype.promote_operands(groups).np
        return da.astype(rt, copy=False), db.astype(rt, copy=False)
    da = a._data
    if not _scalar_ok(b):
        raise TypeError(f"unsupported operand type: {type(b).__name__}")
    d = _FROM_NP[da.dtype]
    cat = _dtype.scalar_category(b)
    if cat <= d.category:
        if cat == 1 and d.category == 1 and d is not _dtype.int64:
            info = np.iinfo(da.dtype)
            if not info.min <= b <= info.max:  # PyTorch wraps out-of-range ints
                b = np.array(b).astype(da.dtype)[()]  # a NumPy scalar: any namespace takes it
        elif d is _dtype.bfloat16:  # ml_dtypes' bfloat16 with a Python scalar would give float32
            b = da.dtype.type(b)
        return da, b
    rt = _dtype._lift_to_category(d, cat)
    return da.astype(rt.np, copy=False), b


def broadcast_error(*shapes):
    """PyTorch's RuntimeError for shapes that do not broadcast, naming the first
    mismatching sizes and their dim (NumPy would raise ValueError)."""
    nd = max(len(s) for s in shapes)
    for i in range(1, nd + 1):
        sizes = [s[-i] for s in shapes if len(s) >= i and s[-i] != 1]
        if sizes and any(v != sizes[0] for v in sizes):
            a, b = sizes[0], next(v for v in sizes if v != sizes[0])
            return RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {nd - i}"
            )
    return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")


def broadcast_shape(*shapes):
    """The shape `shapes` broadcast to, or PyTorch's RuntimeError naming the mismatch."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error(*shapes) from None


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes: the shape `shapes` (sizes or ints) broadcast to, as a Size."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for i, s in enumerate(shapes):
        for k, v in enumerate(s):
            j = n - len(s) + k
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {v} at {k - len(s)}! "
                    f"Mismatching argument at index {i} had {tuple(s)}; but expected shape "
                    f"should be broadcastable to {out}"
                )
    return Size(out)


def float_result(arr):
    """Integer/bool arrays in the dtype a floating op gives them (_dtype.to_float)."""
    if arr.dtype.kind in "biu":
        return arr.astype(_dtype.to_float(_FROM_NP[arr.dtype]).np)
    return arr


# ----- views ----------------------------------------------------------------
def view(src, array, node_cls=None, view_fn=None, **attrs):
    """Wrap `array` (a view of src's memory) as a view tensor with its graph node."""
    out = _view_of(src, array, view_fn)
    if node_cls is not None and src._requires_grad and _mode.enabled:
        attach(out, node_cls, (src,), (), **attrs)
    return out


# ----- in-place ops ---------------------------------------------------------
class CopySlices(Node):
    """A view of this base was modified in place: the base's gradient passes
    through except in the view's region, which goes to the in-place op."""

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        grad_base = g.clone()
        with grad_mode.no_grad():
            region = self.view_fn(grad_base)
            grad_view = region.clone()
            region._data[...] = 0
        return grad_base, grad_view


def _check_inplace(t):
    if _mode.enabled:
        base = t._base
        if base is not None and base._requires_grad and not t._view_grad_mode:
            raise no_grad_view_error("is being modified inplace")
        if t._grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if base is not None and base._grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _check_cast(result_dtype, t):
    if result_dtype != t._data.dtype:
        from ._out import check_out_cast

        check_out_cast(_FROM_NP[result_dtype], _FROM_NP[t._data.dtype])


_TYPE_WORDS = {0: "Bool", 1: "Long", 2: "Float", 3: "ComplexFloat"}
_NAME_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _check_result_shape(r, t):
    """An in-place result must keep t's shape: broadcasting may not grow self."""
    if r._data.shape != t._data.shape:
        raise RuntimeError(
            f"output with shape {list(t._data.shape)} doesn't match the broadcast shape {list(r._data.shape)}"
        )


def inplace(t, out_of_place, *args, saves_input=True):
    """Run `out_of_place(t, *args)` as an in-place op on t.

    Without a graph to record, the result is written straight into t's
    memory. With one, the op runs on a copy of t that carries t's graph edge
    (so saved values stay valid), the result is copied into t and t takes
    over its grad_fn; a view's base is rebased through CopySlices. An op
    whose node saves no input (relu saves its result) runs on t's memory
    itself (`saves_input=False`): no copy."""
    _check_inplace(t)
    needs_graph = _mode.enabled and (
        t._requires_grad
        or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        or (t._base is not None and t._base._requires_grad)
    )
    if not needs_graph:
        with grad_mode.no_grad():
            r = out_of_place(t, *args)
        _check_cast(r._data.dtype, t)
        _check_result_shape(r, t)
        if r._data is not t._data:
            t._xp.copyto(t._data, r._data, casting="unsafe")
        t._version[0] += 1
        return t
    if t._base is not None and t._view_version != t._version[0]:
        refresh_view(t)  # a view whose base changed in place since: its history first
    snapshot = wrap(t._data.copy() if saves_input else t._data)
    snapshot._grad_fn, snapshot._output_nr = t._grad_fn, t._output_nr
    snapshot._requires_grad = t._requires_grad
    snapshot._grad_acc = t._grad_acc
    r = out_of_place(snapshot, *args)
    _check_cast(r._data.dtype, t)
    _check_result_shape(r, t)
    if r._data is not t._data:  # (relu_ writes into t's memory itself)
        t._xp.copyto(t._data, r._data, casting="unsafe")
    t._version[0] += 1
    _share_version(r, t)
    if r._grad_fn is not None:
        t._grad_fn, t._output_nr, t._requires_grad = r._grad_fn, r._output_nr, True
        if r._data.dtype != t._data.dtype:
            t._grad_fn = _cast_node(r, t)
    base = t._base
    if base is not None and t._grad_fn is not None:
        if t._view_fn is None:
            raise RuntimeError(
                "in-place operation on a view whose base requires grad is not supported "
                "for this kind of view; use an out-of-place operation"
            )
        node = CopySlices((edge_of(base), (t._grad_fn, t._output_nr)), ())
        node.view_fn = t._view_fn
        base._grad_fn, base._output_nr, base._requires_grad = node, 0, True
        refresh_view(t)  # t's own node now replays t from the base, through CopySlices
    return t


def _share_version(r, t):
    """A node that saved its own result r (tanh, exp, scatter_reduce prod...) now watches t,
    which holds r's values: r takes t's version counter, so a later in-place change of t makes
    backward raise PyTorch's "modified by an inplace operation" error."""
    node = r._grad_fn
    saved = node._saved if node is not None else None
    if type(saved) is SavedOutputs:  # r is held as an alias (autograd/graph.py)
        at = {i for i, nr in saved.outputs if nr == r._output_nr}
        for i in at:
            saved[i]._version = t._version
        node._versions = tuple([t._version[0] if i in at else v for i, v in enumerate(node._versions)])
        r._version = t._version
    elif saved and any(s is r for s in saved):
        r._version = t._version
        node._versions = tuple([t._version[0] if s is r else v for s, v in zip(saved, node._versions)])


_DIRECT_DTYPES = frozenset((np.dtype(np.float32), np.dtype(np.float64)))
_NUMBER = (float, int)


def direct_inplace(t, *operands):
    """Operand arrays for an in-place op that may write straight into t's
    memory with a ufunc `out=`, or None (then use `inplace`).

    This is the optimizers' hot path (profiled: `inplace`'s out-of-place op +
    copy was ~20% of an MLP training step): allowed when there is no graph to
    record, t is float32/float64 and writable, and each operand is a tensor of
    t's dtype and shape or a Python number, so no promotion or broadcasting
    check is needed."""
    d = t._data
    if d.dtype not in _DIRECT_DTYPES or not _writeable(d):
        return None
    grad_on = _mode.enabled
    if grad_on and (t._requires_grad or (t._base is not None and t._base._requires_grad)):
        return None
    arrays = []
    for o in operands:
        if isinstance(o, Tensor):
            a = o._data
            if a.dtype != d.dtype or a.shape != d.shape or (grad_on and o._requires_grad):
                return None
            if _namespace(a) is not _namespace(d):  # another device: `inplace` raises PyTorch's error
                return None
            arrays.append(a)
        elif type(o) in _NUMBER:
            arrays.append(o)
        else:
            return None
    return arrays


def _cast_node(r, t):
    node = ToCopyBackward0(((r._grad_fn, r._output_nr),), ())
    node.src_dtype = r.dtype
    return node
