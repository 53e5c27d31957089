"""Printing tensors exactly as PyTorch does.

The rules (those of torch/_tensor_str.py):
- one `_Formatter` per tensor (two for complex: real and imaginary parts)
  looks at the nonzero finite values (only the shown ones when summarized)
  and picks a mode: integer mode (`1.`) when all are whole numbers,
  scientific (`1.0000e+05`) when max/min > 1000, max > 1e8 or min < 1e-4
  (unless `sci_mode` is set), otherwise fixed with `precision` digits; every
  element is right-aligned to the widest one;
- tensors with more than `threshold` elements are summarized: `edgeitems`
  entries at each end of every dim and `...` between;
- a row wraps at `linewidth`; dims are nested with `[`, separated by dim-1
  blank lines;
- suffixes follow: device when not cpu, size for empty/odd shapes, dtype when
  it is not the default for its kind (default float, int64, bool), then
  `grad_fn=<...>` or `requires_grad=True`.
"""

import math

import numpy as np

from . import _dtype

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "tensor_body"]


class _PrinterOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set printing options (as torch.set_printoptions). `profile` ('default',
    'short', 'full') sets all first; `sci_mode` is always set (None = automatic)."""
    if profile is not None and profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict that set_printoptions(**d) accepts."""
    return {k: getattr(PRINT_OPTS, k) for k in _PrinterOptions.__slots__}


class printoptions:
    """Context manager: set_printoptions(**kwargs) inside, the old options after."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        self.old = get_printoptions()
        set_printoptions(**self.kwargs)

    def __exit__(self, *exc):
        set_printoptions(**self.old)


# ----- element formatting ------------------------------------------------
class _Formatter:
    """Chooses the mode and width for all elements of one (real) array."""

    def __init__(self, arr):
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            for v in arr.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        flat = arr.reshape(-1).astype(np.float64)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        mag = np.abs(vals)
        lo, hi = float(mag.min()), float(mag.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        values = vals.tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in values)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") for v in values) + 1  # room for the "."
        else:
            width = max(len(f"{v:.{p}f}") for v in values)
        self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _element(val, f1, f2):
    if f2 is None:
        return f1.format(val)
    real = f1.format(val.real)
    imag = (f2.format(val.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(arr, indent, summarize, f1, f2):
    element_length = f1.width() + 2
    if f2 is not None:
        element_length += f2.width() + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        data = (
            [_element(v, f1, f2) for v in arr[:e].tolist()]
            + [" ..."]
            + [_element(v, f1, f2) for v in arr[-e:].tolist()]
        )
    else:
        data = [_element(v, f1, f2) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr, indent, summarize, f1, f2):
    dim = arr.ndim
    if dim == 0:
        return _element(arr.item(), f1, f2)
    if dim == 1:
        return _vector_str(arr, indent, summarize, f1, f2)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        rows = (
            [_nested_str(arr[i], indent + 1, summarize, f1, f2) for i in range(e)]
            + ["..."]
            + [_nested_str(arr[i], indent + 1, summarize, f1, f2) for i in range(n - e, n)]
        )
    else:
        rows = [_nested_str(arr[i], indent + 1, summarize, f1, f2) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(rows) + "]"


def _summarized(arr):
    """Only the elements a summarized print shows (what the formatter looks at)."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        # arr[-0:] is the whole array: with edgeitems=0 every element counts, as in PyTorch
        return np.concatenate((arr[:e], arr[-e:])) if arr.shape[0] > 2 * e else arr
    if not e:
        return arr[(slice(0, 0),) * arr.ndim]
    index = tuple(np.r_[0:e, n - e : n] if n > 2 * e else np.arange(n) for n in arr.shape)
    return arr[np.ix_(*index)]


def _host_array(t):
    a = t._data
    if not isinstance(a, np.ndarray):
        a = a.get() if hasattr(a, "get") else np.asarray(a)  # CuPy -> host
    if a.dtype.kind == "f" and a.dtype.itemsize < 4 or a.dtype.name == "bfloat16":
        a = a.astype(np.float32)  # exact for float16 / bfloat16
    return a


def _tensor_str(arr, indent):
    """The bracketed body of a non-empty array."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    shown = _summarized(arr) if summarize else arr
    if arr.dtype.kind == "c":
        return _nested_str(arr, indent, summarize, _Formatter(shown.real), _Formatter(shown.imag))
    return _nested_str(arr, indent, summarize, _Formatter(shown), None)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_body(t, indent=7):
    """Only the bracketed values of `t` as printed inside `tensor(` (indent =
    the column the values start at)."""
    return _tensor_str(_host_array(t), indent)


def _is_plain(t):
    from ._tensor import Tensor

    cls = type(t)
    return cls is Tensor or (cls.__name__ == "Parameter" and cls.__module__.startswith("torchlet"))


def tensor_repr(t, *, tensor_contents=None):
    """`repr(t)` as PyTorch prints it: `tensor([...], dtype=..., grad_fn=<...>)`.
    Subclasses other than Parameter are printed as `ClassName(...)`; a
    Parameter's "Parameter containing:" header is added by its own __repr__."""
    if hasattr(type(t._data), "phys"):  # a tensor inside vmap (torchlet.func)
        from .func._vmap import batched_repr

        return batched_repr(t)
    prefix = "tensor(" if _is_plain(t) else f"{type(t).__name__}("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dt = t.dtype
    default = _dtype.get_default_dtype()
    default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
    if dev.type == "meta":  # no data: PyTorch prints the size and any non-default dtype
        suffixes.append("size=" + str(tuple(t._data.shape)))
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "..."
    elif t._data.size == 0:
        if t._data.ndim != 1:
            suffixes.append("size=" + str(tuple(t._data.shape)))
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(t._data.shape)))
        if dt not in (default, default_complex, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        body = None if tensor_contents is not None else tensor_body(t, indent)
    if tensor_contents is not None:
        body = tensor_contents
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t._grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
