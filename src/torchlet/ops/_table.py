"""The op table: every Tensor method and torchlet.* function, declared once.

An op is written once, in one file of `ops/`: its forward, its backward node
next to it (the derivative in the node's docstring), and its forms:

    @method()                    # Tensor.relu (names default to the function's)
    @out_form(dtype="cast")      # torchlet.relu(x, out=y) (see _out.py)
    def relu(input): ...         # listed in the file's __all__ -> torchlet.relu

    methods.relu_ = lambda self: inplace(self, relu)   # an in-place / operator form

`method` and `methods` only *record* here; nothing is attached while the op
files load. `torchlet._bind` (the binder, the one place that does it) imports
every op file it lists, records each file's `__all__` as torchlet.* functions,
then sets the recorded methods on Tensor. So `_tensor.py` imports no op file,
and `ops` <-> `_tensor` <-> `autograd` import in one direction only.

An op whose result dtype follows one of the rules of `result_dtype` declares it
with `@dtype_rule("float")` (or `dtype=` in a `define_unary` row); the table keeps
it (`Op.dtype_rule`) and tests/ops/test_dtype_rules.py checks every declared rule
against PyTorch for bool/int/float/complex inputs.

`OPS` groups the records per op (function + method + in-place + out= forms +
out= dtype rule + result dtype rule); `python -m torchlet.ops._table NAME` says where an op lives.
The typed stubs (`torchlet/_tensor.pyi`, `torchlet/__init__.pyi`) are generated
from this table by `python -m torchlet._stubgen`.
"""

__all__ = [
    "method",
    "methods",
    "METHODS",
    "FUNCTIONS",
    "OPS",
    "Op",
    "ops",
    "where",
    "dtype_rule",
    "result_dtype",
    "DTYPE_RULES",
]

# Tensor attribute name -> the callable (or property) to bind, in registration order.
METHODS = {}
# torchlet.* name -> callable (filled by the binder from the op files' __all__).
FUNCTIONS = {}
# where each name was recorded: name -> module name (the file that declares it)
ORIGIN = {}
_bound = [False]


def _record(name, value, module=None):
    if _bound[0]:
        raise RuntimeError(
            f"Tensor.{name} is recorded after the op table was bound: list its file "
            f"({module or getattr(value, '__module__', '?')}) in torchlet._bind.OP_MODULES"
        )
    METHODS[name] = value
    ORIGIN[name] = module or _module_of(value)


def _module_of(value):
    fn = value.fget if isinstance(value, property) else value
    fn = getattr(fn, "_op", fn)
    return getattr(fn, "__module__", None)


def method(*names):
    """Record the decorated op as Tensor method(s) `names` (default: its own name,
    `abs__` -> `abs`). An `out_form` op binds the form without out= (Tensor methods
    take no out=)."""

    def deco(fn):
        bound = getattr(fn, "_op", fn)
        name = fn.__name__
        for n in names or (name.rstrip("_") if name.endswith("__") else name,):
            _record(n, bound, getattr(fn, "__module__", None))
        return fn

    return deco


class _Methods:
    """`methods.NAME = fn` records Tensor.NAME (an in-place form, an operator, a
    property); `methods.NAME` reads a recorded one back (for aliases)."""

    __slots__ = ()

    def __setattr__(self, name, value):
        import sys

        caller = sys._getframe(1).f_globals.get("__name__")
        _record(name, value, caller)

    def __getattr__(self, name):
        try:
            return METHODS[name]
        except KeyError:
            raise AttributeError(f"no Tensor method {name!r} recorded yet") from None


methods = _Methods()


# op name -> its result-dtype rule (see result_dtype)
DTYPE_RULES = {}


def dtype_rule(rule, *names):
    """Declare the result-dtype rule of the decorated op (names: default its own name):

    "same":    the input's dtype               (abs, floor, relu)
    "promote": the inputs' promoted dtype      (add, mul, maximum)
    "float":   promoted, integers and bool -> the default float dtype (exp, sigmoid, div)
    "bool":    bool                            (eq, isnan, logical_and)
    "long":    int64                           (argmax, argmin)

    `dtype_rule("bool", "eq", "ne")` declares the named ops at once (a factory-made op).
    """
    if rule not in _RULES:
        raise ValueError(f"unknown dtype rule {rule!r}: one of {sorted(_RULES)}")
    for n in names:
        DTYPE_RULES[n] = rule

    def deco(fn):
        if not names:
            DTYPE_RULES[fn.__name__] = rule
        return fn

    return deco


def _promoted(dtypes):
    from .._dtype import promote_types

    out = dtypes[0]
    for d in dtypes[1:]:
        out = promote_types(out, d)
    return out


def _to_float(dt):
    from .._dtype import get_default_dtype

    return dt if dt.is_floating_point or dt.is_complex else get_default_dtype()


_RULES = {
    "same": lambda dts: dts[0],
    "promote": _promoted,
    "float": lambda dts: _to_float(_promoted(dts)),
    "bool": lambda dts: __import__("torchlet")._dtype.bool,
    "long": lambda dts: __import__("torchlet")._dtype.int64,
}


def result_dtype(rule, *dtypes):
    """The dtype `rule` gives for tensor inputs of `dtypes` (the one place the rules are computed)."""
    return _RULES[rule](dtypes)


class Op:
    """One op: its name, the file holding its forward and backward, and its forms."""

    __slots__ = ("name", "module", "function", "methods", "inplace", "out_dtype", "forward", "dtype_rule")

    def __repr__(self):
        forms = []
        if self.function:
            forms.append(f"torchlet.{self.function}" + ("(out=)" if self.out_dtype else ""))
        forms += [f"Tensor.{m}" for m in self.methods + self.inplace]
        return f"<op {self.name} in {self.module}: {', '.join(forms)}>"


OPS = {}


def _plain(fn):
    return getattr(fn, "_op", fn)


def ops():
    """The table grouped per op (after binding): name -> Op."""
    if OPS:
        return OPS
    by_fn = {}
    for name, fn in FUNCTIONS.items():
        op = Op()
        op.name, op.function, op.methods, op.inplace = name, name, [], []
        op.forward = _plain(fn)
        op.module = getattr(op.forward, "__module__", None)
        spec = getattr(fn, "_out", None)
        op.out_dtype = spec.dtype if spec is not None else None
        op.dtype_rule = DTYPE_RULES.get(name)
        OPS[name] = op
        by_fn.setdefault(id(op.forward), op)
    for name, fn in METHODS.items():
        op = by_fn.get(id(_plain(fn)))
        if op is None and name.endswith("_") and not name.endswith("__"):
            op = OPS.get(name[:-1])
            if op is not None:
                op.inplace.append(name)
                continue
        if op is None:
            op = Op()
            op.name, op.function, op.methods, op.inplace, op.out_dtype = name, None, [], [], None
            op.forward = fn
            op.module = ORIGIN.get(name)
            op.dtype_rule = DTYPE_RULES.get(name)
            OPS.setdefault(name, op)
            by_fn.setdefault(id(_plain(fn)), op)
        op.methods.append(name)
    return OPS


def where(name):
    """The file that declares Tensor.NAME / torchlet.NAME (its forward and backward)."""
    import sys

    mod = ORIGIN.get(name)
    if mod is None and name in FUNCTIONS:
        mod = getattr(_plain(FUNCTIONS[name]), "__module__", None)
    if mod is None:
        return None
    return getattr(sys.modules.get(mod), "__file__", mod)


if __name__ == "__main__":  # python -m torchlet.ops._table relu
    import sys
    import torchlet  # noqa: F401  (binds the table)

    for _n in sys.argv[1:]:
        print(_n, "->", where(_n), ops().get(_n, ""))
