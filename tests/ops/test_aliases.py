"""PyTorch's NumPy-style keyword aliases, against torch.

PyTorch's argument parser accepts `axis` for `dim`, `keepdims` for `keepdim`,
`x`/`a`/`x1` for `input` and `x2` for `other` on every function and method it
binds (not on those defined in Python: split, norm, unique ...). For every
checklist function and Tensor method with a `dim` parameter the same call is
made with `dim=`/`keepdim=` spelled the NumPy way in both libraries: torch's
answer (a result, or a TypeError) is the expected one.
"""

import inspect

import numpy as np
import pytest

import torchlet
from api_names import checklist_names, resolve, tensor_methods
from oracle import assert_same

torch = pytest.importorskip("torch")

_R = np.random.RandomState(5)
X = _R.rand(3, 4).astype(np.float32)
Y = _R.rand(3, 4).astype(np.float32)
X3 = _R.rand(3, 3).astype(np.float32)
IDX = np.array([[0, 2], [1, 3], [3, 0]])


def _x(m):
    return m.tensor(X.copy())


# positional arguments before dim, and keyword arguments after it, where not just (x,)
PRE = {
    "cat": lambda m: ([_x(m), _x(m)],),
    "concat": lambda m: ([_x(m), _x(m)],),
    "concatenate": lambda m: ([_x(m), _x(m)],),
    "stack": lambda m: ([_x(m), _x(m)],),
    "topk": lambda m: (_x(m), 2),
    "kthvalue": lambda m: (_x(m), 2),
    "split": lambda m: (_x(m), 2),
    "chunk": lambda m: (_x(m), 2),
    "repeat_interleave": lambda m: (_x(m), 2),
    "take_along_dim": lambda m: (_x(m), m.tensor(IDX)),
    "cross": lambda m: (m.tensor(X3), m.tensor(X3.T.copy())),
    "tensor_split": lambda m: (_x(m), 2),
    "diff": lambda m: (_x(m),),
}
POST = {
    "gather": lambda m: {"index": m.tensor(IDX)},
    "index_select": lambda m: {"index": m.tensor(IDX[0])},
    "scatter": lambda m: {"index": m.tensor(IDX), "src": m.tensor(Y.copy())},
    "scatter_add": lambda m: {"index": m.tensor(IDX), "src": m.tensor(Y.copy())},
    "scatter_reduce": lambda m: {"index": m.tensor(IDX), "src": m.tensor(Y.copy()), "reduce": "amax"},
    "narrow": lambda m: {"start": 0, "length": 2},
    "select": lambda m: {"index": 0},
    "unflatten": lambda m: {"sizes": (2, 2)},
    "index_add": lambda m: {"index": m.tensor(IDX[0]), "source": m.tensor(Y[:, :2].copy())},
    "index_fill": lambda m: {"index": m.tensor(IDX[0]), "value": 1.0},
    "index_copy": lambda m: {"index": m.tensor(IDX[0]), "source": m.tensor(Y[:, :2].copy())},
}
SKIP = {"size", "stride"}  # dim is their only argument: covered by test_size_axis


def _has(f, p):
    try:
        return p in inspect.signature(f).parameters
    except (TypeError, ValueError):
        return False


def _dim_functions():
    out = []
    for n in checklist_names():
        if "." in n:
            continue
        f = getattr(torchlet, n, None)
        if f is not None and callable(f) and not inspect.isclass(f) and _has(f, "dim"):
            out.append(n)
    return out


def _dim_methods():
    return [n for n in tensor_methods() if n not in SKIP and _has(getattr(torchlet.Tensor, n, None), "dim")]


def _call(m, name, method, spell):
    args = PRE.get(name, lambda m: (_x(m),))(m)
    kw = POST.get(name, lambda m: {})(m)
    kw[spell[0]] = 1 if name not in ("cross",) else 0
    f = resolve(torchlet if m is torchlet else torch, name) if not method else None
    keep = _has(resolve(torchlet, name) if not method else getattr(torchlet.Tensor, name), "keepdim")
    if keep:
        kw[spell[1]] = True
    if method:
        return getattr(args[0], name)(*args[1:], **kw)
    return resolve(m, name)(*args, **kw) if f is not None else None


def _outcome(fn):
    try:
        return fn(), None
    except Exception as e:
        return None, e


def _same_outcome(call):
    """call(torch) and call(torchlet): equal results, or exceptions of one class."""
    rt, et = _outcome(lambda: call(torch))
    rl, el = _outcome(lambda: call(torchlet))
    assert (el is None) == (et is None), f"torchlet {el!r}, torch {et!r}"
    if et is not None:
        assert type(el) is type(et), f"torchlet {el!r}, torch {et!r}"
    else:
        assert_same(rl, rt)


def _compare(name, method):
    for spell in (("dim", "keepdim"), ("axis", "keepdims")):
        rt, et = _outcome(lambda: _call(torch, name, method, spell))
        if spell[0] == "dim" and et is not None:
            pytest.fail(f"the sample call itself fails in torch: {et}")
        rl, el = _outcome(lambda: _call(torchlet, name, method, spell))
        assert (el is None) == (et is None), f"{spell}: torchlet {el!r}, torch {et!r}"
        if et is not None:
            assert type(el) is type(et), f"{spell}: torchlet {el!r}, torch {et!r}"
        else:
            assert_same(rl, rt, what=f"{name} {spell}")


@pytest.mark.parametrize("name", _dim_functions())
def test_function_axis_keepdims(name):
    _compare(name, method=False)


@pytest.mark.parametrize("name", _dim_methods())
def test_method_axis_keepdims(name):
    _compare(name, method=True)


def test_dim_lists_not_empty():
    fs, ms = _dim_functions(), _dim_methods()
    for n in ("cat", "sum", "mean", "argmax", "max", "split", "norm", "unflatten"):
        assert n in fs
    for n in ("sum", "mean", "max", "cumsum", "unflatten"):
        assert n in ms


def test_d2l_cat_axis():
    a, b = np.ones((2, 3), np.float32), np.zeros((2, 2), np.float32)
    assert_same(
        torchlet.cat((torchlet.tensor(a), torchlet.tensor(b)), axis=1),
        torch.cat((torch.tensor(a), torch.tensor(b)), axis=1),
    )


def test_size_axis():
    for m in (torch, torchlet):
        assert m.ones(2, 3).size(axis=1) == 3 if m is torch else True
    assert torchlet.ones(2, 3).size(axis=1) == torch.ones(2, 3).size(axis=1)


BINARY = [
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "maximum",
    "minimum",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "atan2",
    "remainder",
    "fmod",
    "pow",
    "logical_and",
    "logical_or",
    "matmul",
    "dot",
    "outer",
    "floor_divide",
    "lerp",
    "where",
]


@pytest.mark.parametrize("spell", [("input", "other"), ("x1", "x2"), ("x", "x2"), ("a", "x2"), ("x1", "other")])
@pytest.mark.parametrize("name", BINARY)
def test_input_other_aliases(name, spell):
    def call(m):
        a, b = m.tensor(X[0].copy()), m.tensor(Y[0].copy())
        f = getattr(m, name)
        if name == "lerp":
            return f(**{spell[0]: a}, end=b, weight=0.5)
        if name == "where":
            return f(a > 0.5, **{spell[0]: a, spell[1]: b})
        second = {"pow": "exponent", "dot": "tensor", "outer": "vec2"}.get(name, spell[1])
        return f(**{spell[0]: a, second if spell[1] == "other" else spell[1]: b})

    _same_outcome(call)


@pytest.mark.parametrize("name", ["add", "mul", "sub", "maximum", "eq", "atan2"])
def test_method_x2_alias(name):
    rt, et = _outcome(lambda: getattr(torch.tensor(X), name)(x2=torch.tensor(Y)))
    rl, el = _outcome(lambda: getattr(torchlet.tensor(X), name)(x2=torchlet.tensor(Y)))
    assert (el is None) == (et is None), f"torchlet {el!r}, torch {et!r}"
    if et is None:
        assert_same(rl, rt)


def test_alias_and_name_together_is_an_error():
    for m in (torch, torchlet):
        with pytest.raises(TypeError):
            m.sum(m.ones(2, 3), dim=0, axis=1)


@pytest.mark.parametrize(
    "name", ["sum", "mean", "amax", "max", "std", "logsumexp", "argmax", "median", "kthvalue", "cumsum"]
)
@pytest.mark.parametrize("method", [True, False])
@pytest.mark.parametrize("both", [{"dim": 1, "axis": 1}, {"dim": 1, "keepdim": True, "keepdims": True}])
def test_dim_and_its_alias_together(name, method, both):
    """A reduction that reads axis=/keepdims= itself (no alias wrapper) still refuses
    both spellings at once, as PyTorch's parser does."""

    def call(m):
        x = m.tensor(X.copy())
        args = (2,) if name == "kthvalue" else ()
        return getattr(x, name)(*args, **both) if method else getattr(m, name)(x, *args, **both)

    _same_outcome(call)
