"""NestedTensor: a batch of tensors whose dim 1 (the jagged one) may differ in size.

Held as its components (a tuple of ordinary tensors, each with its own autograd history), so
every op is the op on each component and gradients are exactly the components' gradients.
Nested dim d (d >= 1) is component dim d - 1; dim 0 is the batch and may not be reduced,
transposed or reshaped. Elementwise ops and dropout run on the packed buffer (the components
flattened and concatenated), which is how PyTorch's jagged layout stores them, so dropout
draws the same mask from the same random stream.

    layout=torch.jagged:  shape Size([B, j1, D]), where j1 is the ragged size (a "nested int"
                          shared by tensors derived from one another); values() is the packed
                          (sum of lengths, D) tensor and offsets() its row offsets.
    layout=torch.strided: the older nested layout; only regular dims have a size.
"""

import itertools

from .._layout import jagged, strided
from .._size import Size
from .._tensor import Tensor, _new_leaf

__all__ = ["NestedTensor", "NestedInt"]

_counter = itertools.count(1)


class NestedInt:
    """The symbolic size of a ragged dim, printed j1, j2, ... as PyTorch prints it."""

    __slots__ = ("id", "lengths")

    def __init__(self, lengths):
        self.id = next(_counter)
        self.lengths = lengths

    def __repr__(self):
        return f"j{self.id}"

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, NestedInt) and other.id == self.id

    def __hash__(self):
        return hash(("j", self.id))


def _wrap_dim(d, n):
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


class _NestedData:
    """A nested tensor's `_data`: it has the components' dtype, and any op that would read it
    as one dense array (an op with no nested form) raises PyTorch's NotImplementedError."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __getattr__(self, name):
        raise NotImplementedError(
            f"torchlet.nested: this operation ('{name}' of the dense data) is not "
            "supported for nested tensors; apply it to each of nt.unbind(), or "
            "to nt.values() for the jagged layout"
        )

    def __array__(self, *args, **kwargs):
        self.__getattr__("__array__")


class NestedTensor(Tensor):
    """See the module docstring."""

    __module__ = "torchlet"

    # ----- construction ------------------------------------------------------------------
    @classmethod
    def _make(cls, components, layout, ragged=None, ragged_dim=1):
        import numpy as np

        comps = tuple(components)
        t = _new_leaf(cls, _NestedData(comps[0]._data.dtype if comps else np.dtype(np.float32)))
        t._components = comps
        t._nested_layout = layout
        t._ragged_dim = ragged_dim
        lengths = tuple(c.shape[ragged_dim - 1] for c in comps) if comps and comps[0].dim() else ()
        if ragged is None and layout is jagged:
            ragged = NestedInt(lengths)
        t._ragged = ragged
        return t

    def _like(self, components, ragged_dim=None):
        """A nested tensor of the same batch and ragged size from new components."""
        rd = self._ragged_dim if ragged_dim is None else ragged_dim
        comps = tuple(components)
        same = (
            comps
            and comps[0].dim() >= rd
            and all(c.shape[rd - 1] == o.shape[self._ragged_dim - 1] for c, o in zip(comps, self._components))
        )
        return NestedTensor._make(comps, self._nested_layout, self._ragged if same else None, rd)

    # ----- metadata ------------------------------------------------------------------------
    @property
    def is_nested(self):
        return True

    @property
    def layout(self):
        return self._nested_layout

    @property
    def requires_grad(self):
        return any(c.requires_grad for c in self._components)

    @requires_grad.setter
    def requires_grad(self, value):
        for c in self._components:
            c.requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return all(c.is_leaf for c in self._components)

    @property
    def grad(self):
        grads = [c.grad for c in self._components]
        if any(g is None for g in grads):
            return None
        return self._like(grads)

    @property
    def grad_fn(self):
        for c in self._components:
            if c.grad_fn is not None:
                return c.grad_fn
        return None

    def dim(self):
        return (self._components[0].dim() if self._components else 0) + 1

    ndimension = dim

    @property
    def ndim(self):
        return self.dim()

    def _sizes(self):
        comps = self._components
        out = [len(comps)]
        for d in range(self.dim() - 1):
            sizes = {c.shape[d] for c in comps}
            out.append(sizes.pop() if len(sizes) == 1 and d + 1 != self._ragged_dim else None)
        return out

    @property
    def shape(self):
        if self._nested_layout is strided:
            raise RuntimeError("Internal error: NestedTensorImpl doesn't support sizes. Please file an issue.")
        sizes = [self._ragged if s is None else s for s in self._sizes()]
        return tuple.__new__(Size, sizes)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        d = _wrap_dim(dim, self.dim())
        s = self._sizes()[d]
        if s is None:
            if self._nested_layout is strided:
                raise RuntimeError(f"Given dimension {d} is irregular and does not have a size.")
            return self._ragged
        return s

    def numel(self):
        return sum(c.numel() for c in self._components)

    def is_contiguous(self, memory_format=None):
        return True

    def numpy(self, *, force=False):
        raise RuntimeError("Internal error: NestedTensorImpl doesn't support sizes. Please file an issue.")

    def unbind(self, dim=0):
        if dim != 0:
            raise RuntimeError("unbind(): only supported for NestedTensor on dim=0")
        return tuple(self._components)

    def __len__(self):
        return len(self._components)

    def __iter__(self):
        return iter(self._components)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self._components[index]
        if isinstance(index, tuple) and index and isinstance(index[0], int):
            rest = index[1:]
            return self._components[index[0]][rest] if rest else self._components[index[0]]
        raise RuntimeError("NestedTensor indexing supports an integer in dim 0 (then any index of the component)")

    # ----- jagged layout -------------------------------------------------------------------------
    def values(self):
        """The packed buffer: the components concatenated along the ragged dim."""
        from ..ops.joining import cat

        return cat([c for c in self._components], self._ragged_dim - 1)

    def offsets(self):
        from ..ops.creation import tensor

        out, total = [0], 0
        for c in self._components:
            total += c.shape[self._ragged_dim - 1]
            out.append(total)
        return tensor(out)

    def lengths(self):
        return None

    def to_padded_tensor(self, padding, output_size=None):
        from .. import nested

        return nested.to_padded_tensor(self, padding, output_size)

    # ----- printing -----------------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        if self._nested_layout is jagged:
            dims = ", ".join(str(s) for s in self.shape)
            offs = repr(self.offsets())
            extra = (
                ", requires_grad=True"
                if self.requires_grad and self.grad_fn is None
                else (f", grad_fn=<{type(self.grad_fn).__name__}>" if self.grad_fn is not None else "")
            )
            return f"NestedTensor(size=({dims}), offsets={offs}{extra}, contiguous=True)"
        inner = ",\n".join("  " + repr(c).replace("\n", "\n  ") for c in self._components)
        return "nested_tensor([\n" + inner + "\n])"

    # ----- ops --------------------------------------------------------------------------------------
    def _map(self, fn, ragged_dim=None):
        return self._like([fn(c) for c in self._components], ragged_dim)

    def _packed_apply(self, fn):
        """fn on the packed flat buffer, split back into the components' shapes."""
        from ..ops.joining import cat

        comps = self._components
        flat = cat([c.reshape(-1) for c in comps])
        out = fn(flat)
        parts, at = [], 0
        for c in comps:
            n = c.numel()
            parts.append(out[at : at + n].reshape(tuple(c.shape)))
            at += n
        return self._like(parts)

    def _component_dim(self, dim, what):
        d = _wrap_dim(dim, self.dim())
        if d == 0:
            raise RuntimeError(f"{what}(): not supported for NestedTensor on dim=0")
        return d - 1

    def _nested_apply(self, fn, *args, **kwargs):
        """A functional op (F.linear, F.softmax, sdpa, ...) on each component; nested
        arguments in the same position are zipped."""
        outs = []
        for i, c in enumerate(self._components):
            a = [x._components[i] if isinstance(x, NestedTensor) else x for x in args]
            k = {n: (v._components[i] if isinstance(v, NestedTensor) else v) for n, v in kwargs.items()}
            outs.append(fn(c, *a, **k))
        return self._like(outs)

    def transpose(self, dim0, dim1):
        if self._nested_layout is jagged and 0 in (_wrap_dim(dim0, self.dim()), _wrap_dim(dim1, self.dim())):
            raise ValueError("Transpose is not supported on the batch dimension for jagged NT")
        a, b = self._component_dim(dim0, "transpose"), self._component_dim(dim1, "transpose")
        rd = self._ragged_dim
        new_rd = b + 1 if rd == a + 1 else a + 1 if rd == b + 1 else rd
        return self._like([c.transpose(a, b) for c in self._components], new_rd)

    def unflatten(self, dim, sizes):
        d = self._component_dim(dim, "unflatten")
        rd = self._ragged_dim
        return self._like([c.unflatten(d, sizes) for c in self._components], rd + len(sizes) - 1 if d + 1 < rd else rd)

    def flatten(self, start_dim=0, end_dim=-1):
        s, e = self._component_dim(start_dim, "flatten"), self._component_dim(end_dim, "flatten")
        rd = self._ragged_dim
        return self._like([c.flatten(s, e) for c in self._components], rd - (e - s) if e + 1 < rd else rd)

    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if shape[0] not in (-1, len(self._components)):
            raise RuntimeError("reshape(): for a NestedTensor the batch dim may not change")
        outs = []
        for c in self._components:
            target = [c.shape[i] if s == -1 and i < c.dim() else s for i, s in enumerate(shape[1:])]
            outs.append(c.reshape(target))
        return self._like(outs)

    view = reshape

    def matmul(self, other):
        if isinstance(other, NestedTensor):
            return self._like([a.matmul(b) for a, b in zip(self._components, other._components)])
        return self._map(lambda c: c.matmul(other))

    __matmul__ = matmul

    def softmax(self, dim, dtype=None):
        d = self._component_dim(dim, "softmax")
        return self._map(lambda c: c.softmax(d, dtype=dtype) if dtype else c.softmax(d))

    def log_softmax(self, dim, dtype=None):
        d = self._component_dim(dim, "log_softmax")
        return self._map(lambda c: c.log_softmax(d))

    def sum(self, dim=None, keepdim=False, dtype=None):
        if dim is None:
            return self.values().sum()
        d = self._component_dim(dim, "sum")
        return self._map(lambda c: c.sum(d, keepdim=keepdim))

    def mean(self, dim=None, keepdim=False, dtype=None):
        if dim is None:
            return self.values().mean()
        d = self._component_dim(dim, "mean")
        return self._map(lambda c: c.mean(d, keepdim=keepdim))

    def to(self, *args, **kwargs):
        return self._map(lambda c: c.to(*args, **kwargs))

    def detach(self):
        return self._map(lambda c: c.detach())

    def clone(self, *, memory_format=None):
        return self._map(lambda c: c.clone())

    def contiguous(self, memory_format=None):
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from ..autograd import backward

        grads = None if gradient is None else list(gradient._components)
        backward(list(self._components), grads, retain_graph, create_graph, inputs=inputs)


def _binary(name):
    def op(self, other):
        if isinstance(other, NestedTensor):
            if len(other._components) != len(self._components):
                raise RuntimeError(f"{name}(): expected nested tensors with the same batch size")
            return self._like([getattr(a, name)(b) for a, b in zip(self._components, other._components)])
        return self._map(lambda c: getattr(c, name)(other))

    op.__name__ = name
    return op


def _unary(name):
    def op(self, *args, **kwargs):
        return self._packed_apply(lambda flat: getattr(flat, name)(*args, **kwargs))

    op.__name__ = name
    return op


for _n in (
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__pow__",
    "__rpow__",
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "maximum",
    "minimum",
    "__gt__",
    "__lt__",
    "__ge__",
    "__le__",
    "__eq__",
    "__ne__",
    "masked_fill",
):
    setattr(NestedTensor, _n, _binary(_n))
for _n in (
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "abs",
    "neg",
    "__neg__",
    "relu",
    "sigmoid",
    "tanh",
    "floor",
    "ceil",
    "round",
    "sign",
    "square",
    "reciprocal",
    "erf",
    "float",
    "double",
    "half",
    "bfloat16",
    "long",
    "int",
    "bool",
    "clamp",
    "clip",
    "nan_to_num",
    "isnan",
    "logical_not",
    "silu",
    "__invert__",
):
    setattr(NestedTensor, _n, _unary(_n))
NestedTensor.__hash__ = object.__hash__
