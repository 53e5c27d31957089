"""The array a tensor holds under `vmap`: a physical array with the vmapped dim in front.

`BatchedArray(phys, level)` stands for `phys.shape[0]` arrays of shape `phys.shape[1:]` (its
logical shape). Torchlet's ops never look at it specially: they call NumPy on their tensors'
arrays, and NumPy hands every call on a BatchedArray back to it (`__array_ufunc__`,
`__array_function__`, and the array methods defined here). Each call then either runs once on
the whole physical array (batch-polymorphic calls: ufuncs, so every pointwise op and its
reductions; matmul; shape and view calls; indexing; strided windows, hence conv and pooling),
or, for any other NumPy function, loops over the batch in Python and stacks the results
(`_loop`). Autograd is untouched: a backward formula is made of the same calls, so gradients of
batched tensors are batched (per-sample gradients).

Nested vmap nests these arrays: the physical array of an inner level is itself a BatchedArray
of the outer level. A call with arrays of several levels is handled by the innermost
(highest) level, which sees the outer ones as plain (logical) values.
"""

import numpy as np

__all__ = ["BatchedArray", "level_of"]

_UFUNC_REDUCE_LIKE = ("reduce", "accumulate")
_UNBATCHED_WRITE = (
    "vmap: an operation wrote values that vary over the vmapped dim into an array that "
    "does not (an in-place write into an unbatched tensor, or an op that scatters a "
    "batched source into an unbatched one). Make the destination batched, e.g. with "
    "zeros_like of a batched tensor."
)


class _Flags:
    __slots__ = ("c_contiguous", "f_contiguous", "writeable", "owndata")

    def __init__(self, phys):
        pf = phys.flags
        self.c_contiguous = pf.c_contiguous
        self.f_contiguous = False
        self.writeable = pf.writeable
        self.owndata = False


def level_of(args):
    """The highest vmap level among BatchedArrays in (nested) args, 0 if none."""
    lv = 0
    for a in args:
        if isinstance(a, BatchedArray):
            if a.level > lv:
                lv = a.level
        elif type(a) in (tuple, list):
            lv = max(lv, level_of(a))
    return lv


def _batch_size(args, level):
    for a in args:
        if isinstance(a, BatchedArray) and a.level == level:
            return a.phys.shape[0]
        if type(a) in (tuple, list):
            b = _batch_size(a, level)
            if b is not None:
                return b
    return None


def _make(phys, level):
    """A BatchedArray of the class registered for (level, batch size): its namespace allocates
    batched arrays of that size."""
    from ._batched_namespace import array_class

    return array_class(level, phys.shape[0], phys)(phys, level)


def _ndim(x):
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _aligned(x, level, n):
    """x's physical array with its logical dims padded on the left to n (batch in front), or x
    itself when it is not batched at `level` (it then broadcasts from the right)."""
    if isinstance(x, BatchedArray) and x.level == level:
        p = x.phys
        k = p.ndim - 1
        if k < n:
            p = p.reshape(p.shape[:1] + (1,) * (n - k) + p.shape[1:])
        return p
    return x


def _wrap(r, level):
    if isinstance(r, tuple):
        return tuple(_wrap(x, level) for x in r)
    if r is None:
        return None
    if not isinstance(r, (np.ndarray, np.generic, BatchedArray)):
        return r
    return _make(r if not isinstance(r, np.generic) else np.asarray(r), level)


def _pick(a, level, i):
    if isinstance(a, BatchedArray) and a.level == level:
        return a.phys[i]
    if type(a) in (tuple, list):
        return type(a)(_pick(x, level, i) for x in a)
    if type(a) is dict:
        return {k: _pick(v, level, i) for k, v in a.items()}
    return a


def _stack(results, level):
    first = results[0]
    if first is None:
        return None
    if isinstance(first, tuple):
        return tuple(_stack([r[i] for r in results], level) for i in range(len(first)))
    if isinstance(first, (np.ndarray, np.generic, BatchedArray)):
        if any(np.shape(r) != np.shape(first) for r in results):
            raise RuntimeError(
                "vmap: the samples of the batch gave results of different shapes (an "
                "op whose output shape depends on the data, such as masked_select, "
                "nonzero or boolean-mask indexing, cannot be vmapped)"
            )
        return _make(np.stack(results), level)
    if all(r == first for r in results):  # a value that does not depend on the sample
        return first
    raise RuntimeError(
        "vmap: a NumPy call returned a non-array value that differs between the "
        "samples of the batch (data-dependent control flow is not supported)"
    )


def _loop(fn, args, kwargs, level):
    """The fallback: call fn once per sample of the batch and stack the results."""
    B = _batch_size((args, kwargs.values() and tuple(kwargs.values())), level)
    results = [fn(*_pick(args, level, i), **_pick(kwargs, level, i)) for i in range(B)]
    return _stack(results, level)


def _shift_axis(axis, n):
    """Logical axis (int, tuple or None) -> physical axes (None -> every logical axis)."""
    if axis is None:
        return tuple(range(1, n + 1))
    if isinstance(axis, (tuple, list)):
        return tuple((a % n if n else a) + 1 for a in axis)
    return (axis % n if n else axis) + 1


def _gather_key(idx, level, B):
    """A physical key for an index whose integer arrays are batched at `level` and lead the
    index (x[arange(n), target], as losses gather): the batch's own arange joins them, so one
    fancy-indexing call gathers every sample. None when the index has another form."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    adv = [i for i, x in enumerate(idx) if not (x is None or x is Ellipsis or isinstance(x, slice))]
    if not adv or adv[0] != 0 or adv[-1] + 1 != len(adv):
        return None
    m = 0
    for i in adv:
        x = idx[i]
        if isinstance(x, BatchedArray):
            if x.level != level or x.dtype == bool:
                return None
            m = max(m, x.ndim)
        elif isinstance(x, (int, np.integer)):
            continue
        elif getattr(x, "dtype", None) is not None and x.dtype != bool:
            m = max(m, np.ndim(x))
        else:
            return None
    b = np.arange(B).reshape((B,) + (1,) * m)
    key = [b]
    for i, x in enumerate(idx):
        key.append(_aligned(x, level, m) if isinstance(x, BatchedArray) else x)
    return tuple(key)


class BatchedArray:
    __slots__ = ("phys", "level")
    __array_priority__ = 1000

    def __init__(self, phys, level):
        self.phys = phys
        self.level = level

    # ----- what the array looks like (its logical view) ----------------------
    shape = property(lambda self: self.phys.shape[1:])
    ndim = property(lambda self: self.phys.ndim - 1)
    dtype = property(lambda self: self.phys.dtype)
    itemsize = property(lambda self: self.phys.itemsize)
    strides = property(lambda self: self.phys.strides[1:])
    flags = property(lambda self: _Flags(self.phys))
    base = property(lambda self: None)
    T = property(lambda self: self.transpose())
    real = property(lambda self: _make(self.phys.real, self.level))
    imag = property(lambda self: _make(self.phys.imag, self.level))

    @property
    def size(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def nbytes(self):
        return self.size * self.itemsize

    def __repr__(self):
        return f"BatchedArray(level={self.level}, batch={self.phys.shape[0]}, logical={self.shape})"

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array__(self, *a, **k):
        raise RuntimeError(
            "vmap: a batched array was converted to a plain array; this operation "
            "has no batching rule and could not fall back to a loop"
        )

    def _no_value(self, *a):
        raise RuntimeError(
            "vmap: It looks like you're calling .item() on a Tensor or converting it to "
            "a Python value inside the vmapped function. We don't support vmap over "
            "calling .item() on a Tensor, please try to rewrite what you're doing with "
            "other operations."
        )

    item = tolist = _no_value

    def _uniform(self, convert):
        """A Python value the library's own code branches on (`if mask.any():`): fine when every
        sample gives the same value; otherwise the control flow would depend on the sample."""
        if self.ndim:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        vals = {convert(self.phys[i]) for i in range(self.phys.shape[0])}
        if len(vals) != 1:
            raise RuntimeError(
                "vmap: It looks like you're attempting to use a Tensor in some "
                "data-dependent control flow. We don't support that yet, please shout "
                "over at https://github.com/pytorch/functorch/issues/257 ."
            )
        return vals.pop()

    def __bool__(self):
        return self._uniform(bool)

    def __float__(self):
        return self._uniform(float)

    def __int__(self):
        return self._uniform(int)

    def __index__(self):
        return self._uniform(int)

    def __complex__(self):
        return self._uniform(complex)

    # ----- NumPy protocols ---------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        level = level_of(inputs + tuple(kwargs.get("out", ())))
        out = kwargs.get("out")
        if out is not None:
            for o in out:
                if not (isinstance(o, BatchedArray) and o.level == level):
                    if level_of(inputs) == level:
                        raise RuntimeError(
                            "vmap: inplace arithmetic(self, *extra_args) is not possible because there "
                            "exists a Tensor `other` in extra_args that has more elements than `self`. "
                            "This happened due to `other` being vmapped over but `self` not being "
                            "vmapped over in a vmap."
                        )
        if method == "__call__":
            if ufunc is np.matmul:
                return _matmul(inputs, kwargs, level)
            if ufunc.signature is not None:
                return _loop(getattr(ufunc, method), inputs, kwargs, level)
            n = max(_ndim(x) for x in inputs)
            if out is not None:
                n = max([n] + [o.ndim for o in out])
                kwargs["out"] = tuple(_aligned(o, level, n) for o in out)
            r = ufunc(*[_aligned(x, level, n) for x in inputs], **kwargs)
            return _wrap(r, level) if out is None else (out[0] if len(out) == 1 else out)
        if (
            method in _UFUNC_REDUCE_LIKE
            and len(inputs) == 1
            and isinstance(inputs[0], BatchedArray)
            and inputs[0].level == level
            and out is None
        ):
            x = inputs[0]
            axis = kwargs.pop("axis", 0)
            if method == "accumulate" and axis is None:
                return _loop(getattr(ufunc, method), inputs, dict(kwargs, axis=None), level)
            kwargs["axis"] = _shift_axis(axis, x.ndim)
            return _wrap(getattr(ufunc, method)(x.phys, **kwargs), level)
        if method == "at":
            a, idx = inputs[0], inputs[1]
            rest = inputs[2:]
            if not (isinstance(a, BatchedArray) and a.level == level):
                raise RuntimeError(_UNBATCHED_WRITE)
            if isinstance(a, BatchedArray) and a.level == level:
                key = a._phys_index(idx) if level_of((idx,)) < level else _gather_key(idx, level, a.phys.shape[0])
                if key is not None:
                    n = a.phys[key].ndim - 1
                    ufunc.at(a.phys, key, *[_aligned(v, level, n) for v in rest])
                    return None
        return _loop(getattr(ufunc, method), inputs, kwargs, level)

    def __array_function__(self, func, types, args, kwargs):
        level = level_of(tuple(args) + tuple(kwargs.values()))
        rule = _RULES.get(func)
        if rule is not None:
            r = rule(level, *args, **kwargs)
            if r is not NotImplemented:
                return r
        return _loop(func, args, kwargs, level)

    # ----- indexing ----------------------------------------------------------
    def _phys_index(self, idx):
        """The index into phys for a logical index, or None when it needs the loop."""
        if not isinstance(idx, tuple):
            idx = (idx,)
        if level_of(idx) >= self.level:
            return None
        adv = [
            i for i, x in enumerate(idx) if not (x is None or x is Ellipsis or isinstance(x, (slice, int, np.integer)))
        ]
        if adv and adv[-1] - adv[0] + 1 != len(adv):  # separated advanced indices move to the front
            return None
        if any(isinstance(idx[i], BatchedArray) for i in adv):
            return None
        return (slice(None),) + idx

    def __getitem__(self, idx):
        p = self._phys_index(idx)
        if p is None:
            p = _gather_key(idx, self.level, self.phys.shape[0])
        if p is None:
            return _loop(lambda a, i: a[i], (self, idx), {}, max(self.level, level_of((idx,))))
        return _make(self.phys[p], self.level)

    def __setitem__(self, idx, value):
        p = self._phys_index(idx)
        lv = level_of((value,))
        if p is None or lv > self.level:
            if lv > self.level:
                raise RuntimeError(
                    "vmap: inplace arithmetic(self, *extra_args) is not possible because "
                    "the value written is vmapped over but `self` is not."
                )
            B = self.phys.shape[0]
            for i in range(B):
                self.phys[i][_pick(idx, self.level, i)] = _pick(value, self.level, i)
            return
        target_nd = self.phys[p].ndim - 1
        self.phys[p] = _aligned(value, self.level, target_nd)

    # ----- array methods -----------------------------------------------------
    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _make(self.phys.reshape(self.phys.shape[:1] + tuple(shape), order=order), self.level)

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    def flatten(self, order="C"):
        return self.reshape(-1, order=order).copy()

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        n = self.ndim
        if not axes or axes[0] is None:
            axes = tuple(range(n))[::-1]
        return _make(self.phys.transpose((0,) + tuple(a % n + 1 for a in axes)), self.level)

    def swapaxes(self, a, b):
        n = self.ndim
        return _make(self.phys.swapaxes(a % n + 1, b % n + 1), self.level)

    def squeeze(self, axis=None):
        if axis is None:
            axis = tuple(i for i, s in enumerate(self.shape) if s == 1)
        return _make(self.phys.squeeze(_shift_axis(axis, self.ndim)), self.level)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return _make(self.phys.astype(dtype, order=order, casting=casting, copy=copy), self.level)

    def copy(self, order="C"):
        return _make(self.phys.copy(order=order), self.level)

    def view(self, dtype=None, *a):
        if dtype is None:
            return _make(self.phys.view(), self.level)
        if np.dtype(dtype).itemsize == self.itemsize:
            return _make(self.phys.view(dtype), self.level)
        return _loop(lambda x: x.view(dtype), (self,), {}, self.level)

    def fill(self, value):
        self.phys.fill(value)

    def conj(self):
        return np.conjugate(self)

    def __getattr__(self, name):  # any other ndarray method: the per-sample loop
        if name.startswith("__") or not hasattr(np.ndarray, name):
            raise AttributeError(name)
        meth = getattr(np.ndarray, name)
        return lambda *a, **k: _loop(lambda x, *aa, **kk: meth(x, *aa, **kk), (self,) + a, k, self.level)


def _reducer(name):
    f = getattr(np, name)

    def method(self, axis=None, *args, **kwargs):
        return f(self, axis, *args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "any",
    "all",
    "std",
    "var",
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "clip",
    "round",
    "nonzero",
):
    setattr(BatchedArray, _name, _reducer(_name))


def _binop(uf, reflected=False):
    if reflected:
        return lambda self, other: uf(other, self)
    return lambda self, other: uf(self, other)


for _name, _uf in (
    ("add", np.add),
    ("sub", np.subtract),
    ("mul", np.multiply),
    ("truediv", np.true_divide),
    ("floordiv", np.floor_divide),
    ("mod", np.remainder),
    ("pow", np.power),
    ("matmul", np.matmul),
    ("and", np.bitwise_and),
    ("or", np.bitwise_or),
    ("xor", np.bitwise_xor),
    ("lshift", np.left_shift),
    ("rshift", np.right_shift),
    ("lt", np.less),
    ("le", np.less_equal),
    ("gt", np.greater),
    ("ge", np.greater_equal),
    ("eq", np.equal),
    ("ne", np.not_equal),
):
    setattr(BatchedArray, f"__{_name}__", _binop(_uf))
    if _name not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(BatchedArray, f"__r{_name}__", _binop(_uf, True))
        setattr(BatchedArray, f"__i{_name}__", (lambda uf: lambda self, other: uf(self, other, out=(self,)))(_uf))
BatchedArray.__neg__ = lambda self: np.negative(self)
BatchedArray.__pos__ = lambda self: np.positive(self)
BatchedArray.__abs__ = lambda self: np.absolute(self)
BatchedArray.__invert__ = lambda self: np.invert(self)
BatchedArray.__hash__ = None


def _matmul(inputs, kwargs, level):
    """matmul with its vector cases made matrices, then NumPy's own stack broadcasting."""
    if kwargs or len(inputs) != 2:
        return _loop(np.matmul, inputs, kwargs, level)
    a, b = inputs
    va, vb = _ndim(a) == 1, _ndim(b) == 1
    if va:
        a = np.expand_dims(a, 0)
    if vb:
        b = np.expand_dims(b, 1)
    n = max(_ndim(a), _ndim(b))
    r = np.matmul(_aligned(a, level, n), _aligned(b, level, n))
    if va:
        r = r.squeeze(-2)
    if vb:
        r = r.squeeze(-1)
    return _make(r, level)


from ._batched_rules import _RULES  # noqa: E402
