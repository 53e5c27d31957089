"""dtypes, PyTorch's type promotion, and the default floating dtype.

A `dtype` wraps the NumPy dtype that stores its values (bfloat16 comes from
ml_dtypes). Promotion follows `torch.result_type`: categories bool < integer <
floating < complex; a Python scalar (or 0-d tensor) only moves the result to a
higher category, never to a wider type within one.
"""

import numpy as np

__all__ = [
    "dtype",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "can_cast",
]  # to_float: internal (integer -> float promotion)

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_rank")

    def __init__(self, name, np_dtype, category, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = category != _BOOL and name != "uint8"
        self._rank = rank

    @property
    def is_floating_point(self):
        return self.category == _FLOAT

    @property
    def is_complex(self):
        return self.category == _COMPLEX

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def __repr__(self):
        return "torchlet." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


def _by_name(name):
    return globals()[name]


class _MLDtype(dtype):
    """A dtype whose NumPy storage type comes from ml_dtypes, imported on first use:
    ml_dtypes takes most of a second to import, and `import torchlet` must stay fast.
    Without ml_dtypes the values are stored as float32."""

    __slots__ = ()

    def __init__(self, name, category, rank, itemsize):
        self.name, self.category, self._rank = name, category, rank
        self.itemsize = itemsize
        self.is_signed = True

    @property
    def np(self):
        got = _ML_NP.get(self.name)
        if got is None:
            try:
                import ml_dtypes

                got = np.dtype(getattr(ml_dtypes, self.name))
            except ImportError:  # bfloat16 then stored as float32; everything else works
                got = np.dtype(np.float32)
            _ML_NP[self.name] = got
            _FROM_NP.setdefault(got, self)
        return got


_ML_NP = {}

bool = dtype("bool", np.bool_, _BOOL, 0)
uint8 = dtype("uint8", np.uint8, _INT, 1)
int8 = dtype("int8", np.int8, _INT, 2)
int16 = dtype("int16", np.int16, _INT, 3)
int32 = dtype("int32", np.int32, _INT, 4)
int64 = dtype("int64", np.int64, _INT, 5)
float16 = dtype("float16", np.float16, _FLOAT, 6)
bfloat16 = _MLDtype("bfloat16", _FLOAT, 6, 2)
float32 = dtype("float32", np.float32, _FLOAT, 7)
float64 = dtype("float64", np.float64, _FLOAT, 8)
complex64 = dtype("complex64", np.complex64, _COMPLEX, 9)
complex128 = dtype("complex128", np.complex128, _COMPLEX, 10)
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_FROM_NP = {d.np: d for d in ALL if not isinstance(d, _MLDtype)}


def from_numpy_dtype(np_dtype):
    """The torchlet dtype stored as `np_dtype` (TypeError for unsupported ones)."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _FROM_NP:
            return _FROM_NP[d]
        if d.name == bfloat16.name and d == bfloat16.np:  # ml_dtypes' bfloat16, seen before its first use
            return bfloat16
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{d.name}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        )


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def _promote_pair(a, b):
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == _INT:
        if {a.name, b.name} == {"uint8", "int8"}:
            return int16
        if a is uint8:
            return b
        if b is uint8:
            return a
    if {a.name, b.name} == {"float16", "bfloat16"}:
        return float32
    return a if a._rank > b._rank else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(type1, type2):
    return _PROMOTE[(type1, type2)]


import builtins as _b  # noqa: E402

_pybool, _pyint, _pyfloat, _pycomplex = _b.bool, _b.int, _b.float, _b.complex


def scalar_category(value):
    """Category of a Python scalar (bool, int, float, complex)."""
    if isinstance(value, (_pybool, np.bool_)):
        return _BOOL
    if isinstance(value, (_pyint, np.integer)):
        return _INT
    if isinstance(value, (_pyfloat, np.floating)):
        return _FLOAT
    if isinstance(value, (_pycomplex, np.complexfloating)):
        return _COMPLEX
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def scalar_dtype(value):
    """dtype a Python scalar gets as a tensor of its own (torch.tensor(3.0) -> default)."""
    cat = scalar_category(value)
    return (bool, int64, _default[0], complex64 if _default[0] is not float64 else complex128)[cat]


def _lift_to_category(d, category):
    """dtype after combining `d` with a lower-priority operand of `category`."""
    if category <= d.category:
        return d
    if category == _INT:
        return int64
    if category == _FLOAT:
        return _default[0]
    return complex128 if d is float64 else (complex64 if _default[0] is not float64 else complex128)


def result_type(tensor1, tensor2):
    """torch.result_type: dimensioned tensors > 0-d tensors > Python scalars."""
    from ._tensor import Tensor

    groups = ([], [], [])  # dimensioned, zero-dim, scalar
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            groups[0 if x._data.ndim else 1].append(x.dtype)
        else:
            groups[2].append(scalar_dtype(x))
    return promote_operands(groups)


def promote_operands(groups):
    """Promote (dimensioned dtypes, 0-d dtypes, scalar dtypes) the way PyTorch does:
    a lower-priority group only matters when its category is higher."""
    result = None
    for i, group in enumerate(groups):
        if not group:
            continue
        g = group[0]
        for d in group[1:]:
            g = _PROMOTE[(g, d)]
        if result is None:
            result = g
        elif g.category > result.category:
            result = g if i == 1 else _lift_to_category(result, g.category)
    return result


def to_float(d):
    """The dtype of an op that computes in floating point (true division, exp, sqrt,
    mean, logsumexp ...) on operands promoted to `d`: d itself when floating or
    complex, else the default dtype. The one place integer -> float promotion happens."""
    return d if d.category >= _FLOAT else _default[0]


def can_cast(from_, to):
    """Casting is allowed unless it lowers the category (float->int, ...)."""
    return from_.category <= to.category


# PyTorch's names for a dtype in its messages, keyed by the NumPy dtype name: the
# ScalarType ("expected scalar type Float but found Long") and the C++ type
# ("value cannot be converted to type long int without overflow"). The one table
# every op's error message reads.
SCALAR_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}
CPP_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def scalar_name(np_dtype):
    """PyTorch's ScalarType name ("Float", "Long") of a NumPy dtype."""
    name = np_dtype.name if hasattr(np_dtype, "name") else str(np_dtype)
    return SCALAR_NAMES.get(name, name)
