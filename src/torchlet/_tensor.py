"""Tensor: a backend array plus autograd metadata.

`_data` is a NumPy (or CuPy) array that owns or views memory; views made by
view ops share it, as in PyTorch. `_version` is a one-item list shared by a
base and all of its views: in-place ops bump it, and a node refuses saved
tensors whose version moved. This file holds only what every tensor is; its
ops (and the legacy constructor `Tensor(*sizes)`, `ops/creation.py`) live in
`ops/` and are bound onto it from the op table by `_bind.py`; `backward` is
bound from `autograd/`. `_tensor.pyi` lists them all with their signatures.
"""

import numpy as np

from . import _dtype
from ._device import _NAMESPACES, device_of, namespace, data_ptr as _data_ptr
from ._size import Size
from .autograd import grad_mode
from .autograd.graph import refresh_view

__all__ = ["Tensor", "wrap"]

_new_size = tuple.__new__  # an array's shape is already a tuple of ints: Size's checks skipped (~0.5 us)

_FROM_NP = _dtype._FROM_NP


class Tensor:
    __module__ = "torchlet"  # type(x) prints <class 'torchlet.Tensor'>, as torch's <class 'torch.Tensor'>
    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad",
        "_grad_fn",
        "_output_nr",
        "_version",
        "_base",
        "_view_fn",
        "_view_version",
        "_view_grad_mode",
        "_grad_acc",
        "_retains_grad",
        "__weakref__",
        "__dict__",
    )

    def __new__(cls, *args, **kwargs):
        return _new_leaf(cls, None)

    # ----- metadata -------------------------------------------------------
    @property
    def dtype(self):
        return _FROM_NP[self._data.dtype]

    @property
    def shape(self):
        return _new_size(Size, self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _new_size(Size, self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_meta(self):
        return self.device.type == "meta"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def is_xpu(self):  # no XPU backend here (dcgan example asks)
        return False

    @property
    def is_mps(self):
        return False

    @property
    def is_sparse(self):  # torchlet.sparse's COO tensor overrides this
        return False

    @property
    def is_nested(self):  # torchlet.nested's tensor overrides this
        return False

    @property
    def _xp(self):  # _device.namespace inlined: every op reads it
        return _NAMESPACES.get(type(self._data), np)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        return 0 if self._base is None else _offset(self._data, self._base._data)

    def is_contiguous(self, memory_format=None):
        if memory_format is None:
            return self._data.flags.c_contiguous
        from ._memory_format import is_contiguous_as

        return is_contiguous_as(self._data, memory_format)

    def is_floating_point(self):
        return self.dtype.category == 2

    def is_complex(self):
        return self.dtype.category == 3

    @property
    def is_leaf(self):
        if self._base is not None and self._view_version != self._version[0]:
            refresh_view(self)
        return self._grad_fn is None

    @property
    def layout(self):
        from ._layout import strided

        return strided

    def data_ptr(self):
        return _data_ptr(self._data) if self._data.size else 0

    # ----- autograd metadata ---------------------------------------------
    @property
    def requires_grad(self):
        if self._base is not None and self._view_version != self._version[0]:
            try:
                refresh_view(self)
            except RuntimeError:  # (PyTorch answers True, and raises on grad_fn or use)
                pass
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return
        if value and self.dtype.category < 2:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        if self._base is not None and self._view_version != self._version[0]:
            return refresh_view(self)
        return self._grad_fn

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad and _warn_nonleaf_grad:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {list(value.shape)} vs {list(self.shape)}"
                )
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref

        ref = weakref.ref(self)

        def hook(grad):
            t = ref()
            if t is not None:
                if t._grad is None:
                    t._grad = grad.detach().clone() if not grad_mode._mode.enabled else grad.clone()
                else:
                    t._grad = t._grad + grad

        hook._retains_grad = True
        self._grad_fn._add_prehook(hook, self._output_nr)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, run when the gradient for this tensor is computed."""
        from .autograd.graph import edge_of

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = edge_of(self)
        return node._add_prehook(hook, nr)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs after a backward has accumulated into this leaf's .grad."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", {})
        key = object()
        hooks[key] = hook
        return _DictHandle(hooks, key)

    def detach(self):
        """Shares memory and the version counter, but is no differentiable view of self."""
        out = _view_of(self, self._data)
        out._base, out._requires_grad = None, False
        return out

    def detach_(self):
        if self._base is not None and self._base._requires_grad and grad_mode._mode.enabled:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        t = wrap(self._data)
        return t

    @data.setter
    def data(self, value):
        self._data = value._data

    # ----- conversion ----------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if self.dtype is not _dtype.bfloat16 else float(self._data.reshape(()))

    def tolist(self):
        if self.dtype is _dtype.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if namespace(self._data) is not np:
            if not force:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use "
                    "Tensor.cpu() to copy the tensor to host memory first."
                )
            return self._data.get()
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=True) if self._requires_grad else self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _scalar_check(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())  # .item(): a meta array refuses it

    def __float__(self):
        self._scalar_check("float")
        return float(self._data.reshape(()))

    def __int__(self):
        self._scalar_check("int")
        return int(self._data.reshape(()))

    def __index__(self):
        if self.dtype.category != 1 or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __complex__(self):
        self._scalar_check("complex")
        return complex(self._data.reshape(()))

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        from .serialization import _reduce_tensor

        return _reduce_tensor(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        new = type(self).__new__(type(self))
        new._data = self._data.copy()
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        for k, v in getattr(self, "__dict__", {}).items():
            import copy

            new.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr

        return tensor_repr(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        """A 0-d tensor formats as its value (f"{t:.3f}", f"{t}" -> "1.5"); others as str(t),
        and a format spec for them is a TypeError, as in PyTorch."""
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype.name, "torch.Tensor")
        if isinstance(dtype, str):
            dtype = _NAME_TYPES[dtype]
        return self.to(dtype)

    def __torch_function__(self, *a, **k):  # pragma: no cover - API presence only
        return NotImplemented


_warn_nonleaf_grad = True

_TYPE_NAMES = {
    "float32": "torch.FloatTensor",
    "float64": "torch.DoubleTensor",
    "float16": "torch.HalfTensor",
    "bfloat16": "torch.BFloat16Tensor",
    "int64": "torch.LongTensor",
    "int32": "torch.IntTensor",
    "int16": "torch.ShortTensor",
    "int8": "torch.CharTensor",
    "uint8": "torch.ByteTensor",
    "bool": "torch.BoolTensor",
    "complex64": "torch.ComplexFloatTensor",
    "complex128": "torch.ComplexDoubleTensor",
}
_NAME_TYPES = {v: getattr(_dtype, k) for k, v in _TYPE_NAMES.items()}
_NAME_TYPES.update({v.replace("torch.", "torchlet."): d for v, d in list(_NAME_TYPES.items())})


def _wrap_dim(dim, ndim):
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _offset(view, base):
    return (_data_ptr(view) - _data_ptr(base)) // max(view.itemsize, 1)


def wrap(array, requires_grad=False):
    """A new leaf Tensor holding `array` (no copy)."""
    if isinstance(array, np.generic):  # NumPy ufuncs return scalars for 0-d inputs
        array = np.asarray(array)
    return _new_leaf(Tensor, array, requires_grad)


def _new_leaf(cls, array, requires_grad=False):
    t = object.__new__(cls)
    t._data = array
    t._requires_grad = requires_grad
    t._grad = None
    t._grad_fn = None
    t._output_nr = 0
    t._version = [0]
    t._base = None
    t._view_fn = None
    t._grad_acc = None
    t._retains_grad = False
    return t


def _view_of(src, array, view_fn=None):
    """A tensor viewing `src`'s memory: shares its version counter and base."""
    t = object.__new__(Tensor)
    t._data = array
    t._requires_grad = False
    t._grad = None
    t._grad_fn = None
    t._output_nr = 0
    t._version = src._version
    base = src._base if src._base is not None else src
    t._base = base
    t._view_version = src._version[0]  # (graph.refresh_view: its grad_fn is for this version)
    t._view_grad_mode = grad_mode._mode.enabled  # (if on, the view op's attach gives it its node)
    if not t._view_grad_mode:  # PyTorch: a view made in no_grad mode of a tensor that requires grad
        t._requires_grad = src._requires_grad  # is a leaf that does
    if view_fn is not None and src._view_fn is not None:
        inner = src._view_fn
        t._view_fn = lambda b: view_fn(inner(b))
    else:
        t._view_fn = view_fn
    t._grad_acc = None
    t._retains_grad = False
    return t


def zeros_of(shape, dtype, xp=np):
    return wrap(xp.zeros(shape, dtype=dtype.np))


class _DictHandle:
    """RemovableHandle over a dict of hooks."""

    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
