"""`vmap(func, in_dims=0, out_dims=0, randomness='error', *, chunk_size=None)`.

vmap runs `func` once, on tensors that hold the whole batch: each input's mapped dim is moved
to the front of its array and the array is wrapped in a BatchedArray (`_batched_array.py`),
whose logical shape is the per-sample shape, so `func` sees per-sample tensors. Every torchlet
op runs unchanged on it; what batches is decided where the op calls NumPy:

- batched over the whole batch in one call: all pointwise ops (NumPy ufuncs, with
  broadcasting), reductions over any dims (sum, mean, prod, amax/amin, max/min, any/all,
  std/var, argmax/argmin with a dim, cumsum/cumprod, sort/argsort, logsumexp, norm, softmax and
  log_softmax), matmul / mm / bmm / mv / dot / vdot and `linear`, einsum, every view and shape
  op (reshape/view, transpose/permute, squeeze/unsqueeze, expand, flatten, narrow, basic
  indexing, one group of adjacent index arrays, gathers by batched integer indices such as
  nll_loss / cross_entropy's `x[arange(n), target]`), cat/stack/split, where/clamp,
  take/put_along_axis (gather, scatter into batched tensors), layer_norm, the losses built from
  these, and conv / pooling / unfold (their im2col windows are strided views with the batch's
  stride in front, then one batched product);
- looped in Python over the batch, per sample, then stacked: every other NumPy call the ops
  make (linalg decompositions, inverses and solves, indexing with separated index arrays or
  with batched boolean masks, ...), so those ops give the right values at per-sample speed;
- refused with RuntimeError (never a silently wrong value): writes of batched values into an
  unbatched tensor (in-place ops on a tensor from outside vmap, scatter/index_put into an
  unbatched `self`, BatchNorm's running statistics in training mode, as PyTorch), and the few
  ops that call NumPy past the tensor's namespace (diagonal / trace, which take a strided view
  with NumPy directly, and adaptive max pooling); ops whose output shape depends on the data
  (masked_select, nonzero, boolean-mask indexing), as in PyTorch.

Autograd is not involved in batching: backward formulas are the same NumPy calls, so `grad`
inside vmap gives per-sample gradients and `vmap(grad(f))` works, as do nested vmaps.

Randomness (ops drawing from any Generator: the default one or an explicit `generator=`): with
`'error'` (the default) vmap raises PyTorch's RuntimeError at the first draw; `'same'` draws once,
for the per-sample shape, and every sample shares it (as PyTorch); `'different'` runs batched
once, and if the function drew, rewinds the generators it drew from and calls it once per sample
(a loop over plain per-sample tensors, stacked), so each sample gets its own draw in sample
order. That equals PyTorch's single batched draw wherever the draws are sequential per element
(rand, randint, randperm, bernoulli, dropout, uniform_, randn of fewer than 16 elements per
sample); randn of 16 or more per sample gives the same first 16 values and others after them
(PyTorch's vectorized normal fills the whole batch at once, in blocks of 16).

Not supported: data-dependent Python control flow (`.item()` raises as in PyTorch; `bool(t)` /
`float(t)` work only where every sample gives the same value, else RuntimeError).
"""

import contextlib
import functools
import traceback

from .._tensor import Tensor, wrap
from ..autograd.graph import Node, attach
from ._batched_array import BatchedArray, _make

__all__ = ["vmap"]

_level = [0]
_sizes = []  # batch size of each active level, outermost first


def _levels(array):
    out = set()
    while isinstance(array, BatchedArray):
        out.add(array.level)
        array = array.phys
    return out


def unbatch_grad(var, g):
    """g, a gradient computed by a backward run after its vmap returned, for `var`: the levels
    no longer active that var is not batched at are summed away (the gradient of a tensor every
    sample used is the sum over the samples). While a level is active (a backward inside the
    vmapped function: grad, vjp, jacrev under vmap) the gradient stays per sample."""
    if not isinstance(g._data, BatchedArray):
        return g
    mine = _levels(var._data)
    while isinstance(g._data, BatchedArray) and g._data.level > len(_sizes) and g._data.level not in mine:
        d = g._data
        g = _remove_batch_dim(g, d.level, 0, d.phys.shape[0]).sum(0)
    return g


# ----- the two differentiable boundary ops -------------------------------------------------
class _AddBatchDimBackward(Node):
    """d(add_batch_dim(x)) = remove_batch_dim(g): the batched gradient back to its dim"""

    def backward(self, g):
        return _remove_batch_dim(g, self.level, self.dim, self.size)


class _RemoveBatchDimBackward(Node):
    """d(remove_batch_dim(y)) = add_batch_dim(g), or g summed over the dim y was expanded on"""

    def backward(self, g):
        if self.batched:
            return _add_batch_dim(g, self.dim, self.level)
        return g.sum(self.dim)


def _add_batch_dim(x, dim, level):
    import numpy as np

    phys = np.moveaxis(x._data, dim, 0) if dim else x._data
    return attach(wrap(_make(phys, level)), _AddBatchDimBackward, (x,), dim=dim, level=level, size=x.shape[dim])


def _is_batched(t, level):
    d = t._data
    return isinstance(d, BatchedArray) and d.level == level


def _remove_batch_dim(y, level, dim, size):
    import numpy as np

    batched = _is_batched(y, level)
    if batched:
        data = np.moveaxis(y._data.phys, 0, dim) if dim else y._data.phys
    else:
        e = np.expand_dims(y._data, dim)
        data = np.broadcast_to(e, e.shape[:dim] + (size,) + e.shape[dim + 1 :])
    return attach(wrap(data), _RemoveBatchDimBackward, (y,), dim=dim, level=level, batched=batched)


def batched_repr(t):
    """How PyTorch prints a tensor inside vmap: BatchedTensor(lvl=, bdim=, value=...), the value
    being the physical tensor (here the batch dim is always in front: bdim=0)."""
    d = t._data
    value = wrap(d.phys)
    value._grad_fn, value._requires_grad = t._grad_fn, t._requires_grad
    inner = repr(value).replace("\n", "\n    ")
    return f"BatchedTensor(lvl={d.level}, bdim=0, value=\n    {inner}\n)"


# ----- pytrees of inputs and outputs ----------------------------------------------------------
def _flatten(tree):
    if type(tree) in (tuple, list):
        leaves, specs = [], []
        for x in tree:
            lv, sp = _flatten(x)
            leaves += lv
            specs.append(sp)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for k in tree:
            lv, sp = _flatten(tree[k])
            leaves += lv
            specs.append(sp)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(sp):
        if sp is None:
            return next(it)
        if sp[0] is dict:
            return {k: build(s) for k, s in zip(sp[1], sp[2])}
        return sp[0](build(s) for s in sp[1])

    return build(spec)


def _spec_str(spec):
    if spec is None:
        return "*"
    if spec[0] is dict:
        return "TreeSpec(dict, " + str(spec[1]) + ", [" + ", ".join(_spec_str(s) for s in spec[2]) + "])"
    return f"TreeSpec({spec[0].__name__}, None, [" + ",\n  ".join(_spec_str(s) for s in spec[1]) + "])"


def _broadcast_dims(dims, tree, what, fname, dims_text):
    """One dim per leaf of `tree`: an int/None applies to a whole subtree."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(tree)[0])
    if type(dims) in (tuple, list) and type(tree) in (tuple, list) and len(dims) == len(tree):
        out = []
        for d, t in zip(dims, tree):
            out += _broadcast_dims(d, t, what, fname, dims_text)
        return out
    if isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        out = []
        for k in tree:
            out += _broadcast_dims(dims[k], tree[k], what, fname, dims_text)
        return out
    raise ValueError(
        f"vmap({fname}, {dims_text})(<inputs>): {what}_dims is not compatible with the "
        f"structure of `{what}puts`. {what}_dims has structure {_spec_str(_flatten(dims)[1])} "
        f"but {what}puts has structure {_spec_str(_flatten(tree)[1])}."
    )


def _fmt_dims(d):
    return repr(d) if not isinstance(d, str) else d


# ----- vmap ---------------------------------------------------------------------------------
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize `func` over dim `in_dims` of its inputs (see the module docstring for which ops
    run batched and which loop)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return _vmap_call(func, in_dims, out_dims, chunk_size, args, kwargs, randomness)

    return wrapped


def _name(func):
    return getattr(func, "__name__", type(func).__name__)


def _vmap_call(func, in_dims, out_dims, chunk_size, args, kwargs, randomness="same"):
    fname = _name(func)
    in_text = f"in_dims={_fmt_dims(in_dims)}, ..."
    if not (isinstance(in_dims, int) or type(in_dims) is tuple):
        raise ValueError(
            f"vmap({fname}, {in_text})(<inputs>): expected `in_dims` to be int or a "
            f"(potentially nested) tuple matching the structure of inputs, got: "
            f"{type(in_dims)}."
        )
    leaves, spec = _flatten(args)
    dims = _broadcast_dims(in_dims, args, "in", fname, in_text)
    size = None
    sizes = []
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(d, int):
            raise ValueError(
                f"vmap({fname}, {in_text})(<inputs>): Got in_dim={d} for an input but in_dim "
                "must be either an integer dimension or None."
            )
        if not isinstance(x, Tensor):
            raise ValueError(
                f"vmap({fname}, {in_text})(<inputs>): Got in_dim={d} for an input but the "
                f"input is of type {type(x)}. We cannot vmap over non-Tensor arguments, "
                "please use None as the respective in_dim"
            )
        n = x.dim()
        if not -n <= d < n:
            raise ValueError(
                f"vmap({fname}, {in_text})(<inputs>): Got in_dim={d} for some input, but that "
                f"input is a Tensor of dimensionality {n} so expected in_dim to satisfy "
                f"-{n} <= in_dim < {n}."
            )
        sizes.append(x.shape[d])
    if not sizes:
        raise ValueError(
            f"vmap({fname}, {in_text})(<inputs>): at least one input must be batched: the "
            "in_dims given are all None or the inputs have no Tensors."
        )
    if any(s != sizes[0] for s in sizes):
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    size = sizes[0]
    dims = [None if d is None else d % leaves[i].dim() for i, d in enumerate(dims)]
    watch = _DrawWatch(refuse=randomness == "error") if randomness != "same" else contextlib.nullcontext()
    try:
        with watch:
            out = _dispatch(func, leaves, dims, spec, out_dims, chunk_size, size, kwargs)
    except RuntimeError as e:  # a random op on a batched input (bernoulli(p), normal(mean))
        if not (str(e).startswith(_NO_RULE) and _in_random_op(e.__traceback__)):
            raise
        if randomness == "error":
            raise RuntimeError(_RANDOM_ERROR) from None
        if randomness == "same":
            raise RuntimeError(
                "Vmap does not currently support same randomness with a batched tensor input. "
                "Please file an issue with functorch"
            ) from None
        watch.restore()
        return _per_sample(func, leaves, dims, spec, out_dims, size, kwargs)
    if randomness == "same" or not watch.before:
        return out
    watch.restore()  # 'different': each sample draws its own values, in sample order
    return _per_sample(func, leaves, dims, spec, out_dims, size, kwargs)


_RANDOM_OP_FILES = ("random_ops.py", "random_distributions.py", "random_inplace.py")  # ops/ files that draw


def _in_random_op(tb):
    return any(frame.f_code.co_filename.endswith(_RANDOM_OP_FILES) for frame, _ in traceback.walk_tb(tb))


_NO_RULE = "vmap: a batched array was converted to a plain array"
_RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either "
    "use the 'same' or 'different' randomness flags on vmap or perform the "
    "randomness operation out of vmap"
)


class _DrawWatch:
    """While active, sees every draw from any Generator (the default one or a `generator=`):
    refuses it ('error' mode), or keeps each generator's state from before its first draw so
    that 'different' can rewind them and draw again per sample."""

    def __init__(self, refuse):
        self.refuse = refuse
        self.before = {}

    def __call__(self, gen):
        if self.refuse:
            raise RuntimeError(_RANDOM_ERROR)
        if id(gen) not in self.before:
            self.before[id(gen)] = (gen, gen.get_state())

    def __enter__(self):
        from .. import random

        random._draw_hooks.append(self)
        return self

    def __exit__(self, *exc):
        from .. import random

        random._draw_hooks.remove(self)

    def restore(self):
        for gen, state in self.before.values():
            gen.set_state(state)


def _per_sample(func, leaves, dims, spec, out_dims, size, kwargs):
    """`func` called on each sample in turn (plain tensors, no batching), outputs stacked at
    out_dims: randomness='different' draws as PyTorch's batched draw does for ops whose draws
    are sequential per element (rand, randint, randperm, bernoulli, dropout, randn of fewer than
    16 elements per sample)."""
    from ..ops.joining import stack

    fname = _name(func)
    outs = []
    for i in range(size):
        args = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
        outs.append(_flatten(func(*_unflatten(args, spec), **kwargs)))
    out_spec = outs[0][1]
    odims = _broadcast_dims(
        out_dims, _unflatten(outs[0][0], out_spec), "out", fname, f"..., out_dims={_fmt_dims(out_dims)}"
    )
    merged = []
    for j, d in enumerate(odims):
        pieces = [o[0][j] for o in outs]
        if d is not None and not isinstance(pieces[0], Tensor):
            raise ValueError(
                f"vmap({fname}, ...): `{fname}` must only return Tensors, got type {type(pieces[0])}. "
                "Did you mean to set out_dims= to None for output?"
            )
        merged.append(pieces[0] if d is None else stack(pieces, d % (pieces[0].dim() + 1)))
    return _unflatten(merged, out_spec)


def _dispatch(func, leaves, dims, spec, out_dims, chunk_size, size, kwargs):
    if chunk_size is not None and chunk_size < size:
        return _chunked(func, leaves, dims, spec, out_dims, chunk_size, size, kwargs)
    return _run(func, leaves, dims, spec, out_dims, size, kwargs)


def _run(func, leaves, dims, spec, out_dims, size, kwargs):
    fname = _name(func)
    _level[0] += 1
    level = _level[0]
    _sizes.append(size)
    try:
        batched = [x if d is None else _add_batch_dim(x, d, level) for x, d in zip(leaves, dims)]
        out = func(*_unflatten(batched, spec), **kwargs)
    finally:
        _level[0] -= 1
        _sizes.pop()
    out_leaves, out_spec = _flatten(out)
    odims = _broadcast_dims(out_dims, out, "out", fname, f"..., out_dims={_fmt_dims(out_dims)}")
    result = []
    for y, d in zip(out_leaves, odims):
        if d is None:
            if isinstance(y, Tensor) and _is_batched(y, level):
                raise ValueError(f"vmap({fname}, ...): `{fname}` can not return a BatchedTensor when out_dim is None")
            result.append(y)
            continue
        if not isinstance(y, Tensor):
            raise ValueError(
                f"vmap({fname}, ...): `{fname}` must only return Tensors, got type {type(y)}. "
                "Did you mean to set out_dims= to None for output?"
            )
        n = y.dim() + 1
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        result.append(_remove_batch_dim(y, level, d % n, size))
    return _unflatten(result, out_spec)


def _chunked(func, leaves, dims, spec, out_dims, chunk_size, size, kwargs):
    from ..ops.joining import cat

    parts = []
    for start in range(0, size, chunk_size):
        n = min(chunk_size, size - start)
        chunk = [x if d is None else x.narrow(d, start, n) for x, d in zip(leaves, dims)]
        parts.append(_flatten(_run(func, chunk, dims, spec, out_dims, n, kwargs)))
    out_spec = parts[0][1]
    odims = _broadcast_dims(
        out_dims, _unflatten(parts[0][0], out_spec), "out", _name(func), f"..., out_dims={_fmt_dims(out_dims)}"
    )
    merged = []
    for i, d in enumerate(odims):
        pieces = [p[0][i] for p in parts]
        merged.append(pieces[0] if d is None else cat(pieces, d))
    return _unflatten(merged, out_spec)
