"""out= against PyTorch, for every checklist function PyTorch gives an out= form.

The list of functions comes from PyTorch (api_names.out_functions); each needs a
sample call below. For each one, the same call is made in torch and torchlet with
out= and compared: the values written, the returned object (out itself), the resize
warning, a dtype the result cannot be cast to, and an input or out requiring grad.
A function PyTorch gives no out= must refuse it (TypeError, as PyTorch).
"""

import inspect
import re
import warnings

import numpy as np
import pytest

import torchlet
from api_names import out_functions, resolve, tensor_methods, torch_functions
from oracle import assert_same

torch = pytest.importorskip("torch")

_R = np.random.RandomState(7)
X = (_R.rand(3, 4) * 0.8 + 0.1).astype(np.float32)  # in (0.1, 0.9): every unary op's domain
Y = (_R.rand(3, 4) * 0.8 + 0.1).astype(np.float32)
XB = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, True]])
XI = _R.randint(1, 6, (3, 4)).astype(np.int64)
SQ = (_R.rand(3, 3) + 3 * np.eye(3)).astype(np.float32)  # well conditioned
A34, B45 = _R.rand(3, 4).astype(np.float32), _R.rand(4, 5).astype(np.float32)
IDX = np.array([[0, 2], [1, 3], [3, 0]], dtype=np.int64)
PROBS = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], dtype=np.float32)


def t(m, a):
    return m.tensor(a.copy())


def unary(m):
    return (t(m, X),), {}


def binary(m):
    return (t(m, X), t(m, Y)), {}


def ints(m):
    return (t(m, XI), t(m, XI % 3)), {}


def red(m, **kw):
    return (t(m, X), 1), kw


S = {  # name -> sample(m) -> (args, kwargs)
    "add": lambda m: ((t(m, X), t(m, Y)), {"alpha": 2}),
    "sub": lambda m: ((t(m, X), t(m, Y)), {"alpha": 2}),
    "addcmul": lambda m: ((t(m, X), t(m, Y), t(m, X)), {"value": 0.5}),
    "addcdiv": lambda m: ((t(m, X), t(m, Y), t(m, X)), {"value": 0.5}),
    "lerp": lambda m: ((t(m, X), t(m, Y), 0.3), {}),
    "where": lambda m: ((t(m, XB), t(m, X), t(m, Y)), {}),
    "clamp": lambda m: ((t(m, X), 0.2, 0.7), {}),
    "clip": lambda m: ((t(m, X), 0.2, 0.7), {}),
    "pow": lambda m: ((t(m, X), 2.5), {}),
    "float_power": lambda m: ((t(m, X), 2), {}),
    "div": lambda m: ((t(m, X), t(m, Y)), {"rounding_mode": "floor"}),
    "true_divide": binary,
    "nan_to_num": unary,
    "round": lambda m: ((t(m, X * 10),), {"decimals": 1}),
    "logit": lambda m: ((t(m, X), 1e-3), {}),
    "acosh": lambda m: ((t(m, X + 1),), {}),
    "arccosh": lambda m: ((t(m, X + 1),), {}),
    "logical_and": binary,
    "logical_or": binary,
    "logical_xor": binary,
    "bitwise_left_shift": ints,
    "bitwise_right_shift": ints,
    "heaviside": lambda m: ((t(m, X - 0.5), t(m, Y)), {}),
    "complex": binary,
    "polar": binary,
    "mm": lambda m: ((t(m, A34), t(m, B45)), {}),
    "matmul": lambda m: ((t(m, A34), t(m, B45)), {}),
    "bmm": lambda m: ((t(m, A34[None]), t(m, B45[None])), {}),
    "baddbmm": lambda m: ((t(m, np.ones((1, 3, 5), np.float32)), t(m, A34[None]), t(m, B45[None])), {"beta": 0.5}),
    "addmm": lambda m: ((t(m, np.ones((3, 5), np.float32)), t(m, A34), t(m, B45)), {"alpha": 2}),
    "mv": lambda m: ((t(m, A34), t(m, B45[:, 0])), {}),
    "dot": lambda m: ((t(m, X[0]), t(m, Y[0])), {}),
    "outer": lambda m: ((t(m, X[0]), t(m, Y[1])), {}),
    "tensordot": lambda m: ((t(m, A34), t(m, B45)), {"dims": 1}),
    "spmm": None,  # sparse matrices: not in torchlet
    "sum": lambda m: red(m),
    "mean": lambda m: red(m),
    "prod": lambda m: red(m),
    "nansum": lambda m: red(m),
    "nanmean": lambda m: red(m),
    "logsumexp": lambda m: red(m),
    "amax": lambda m: red(m),
    "amin": lambda m: red(m),
    "argmax": lambda m: red(m),
    "argmin": lambda m: red(m),
    "all": lambda m: ((t(m, XB), 1), {}),
    "any": lambda m: ((t(m, XB), 1), {}),
    "std": lambda m: red(m),
    "var": lambda m: red(m),
    "std_mean": lambda m: red(m),
    "var_mean": lambda m: red(m),
    "norm": lambda m: ((t(m, X), 2, 1), {}),
    "cumsum": lambda m: red(m),
    "cumprod": lambda m: red(m),
    "logcumsumexp": lambda m: red(m),
    "max": lambda m: red(m),
    "min": lambda m: red(m),
    "median": lambda m: red(m),
    "mode": lambda m: ((t(m, XI.astype(np.float32)), 1), {}),
    "sort": lambda m: red(m),
    "topk": lambda m: ((t(m, X), 2, 1), {}),
    "kthvalue": lambda m: ((t(m, X), 2, 1), {}),
    "aminmax": lambda m: ((t(m, X),), {"dim": 1}),
    "maximum": binary,
    "minimum": binary,
    "fmax": binary,
    "fmin": binary,
    "zeros": lambda m: (((2, 3),), {}),
    "ones": lambda m: (((2, 3),), {}),
    "empty": lambda m: (((2, 3),), {}),
    "full": lambda m: (((2, 3), 1.5), {}),
    "eye": lambda m: ((3,), {}),
    "arange": lambda m: ((5,), {}),
    "linspace": lambda m: ((0, 1, 5), {}),
    "logspace": lambda m: ((0, 1, 5), {}),
    "rand": lambda m: (((2, 3),), {}),
    "randn": lambda m: (((2, 3),), {}),
    "randint": lambda m: ((0, 9, (2, 3)), {}),
    "randperm": lambda m: ((6,), {}),
    "normal": lambda m: ((t(m, X), t(m, Y)), {}),
    "bernoulli": lambda m: ((t(m, X),), {}),
    "multinomial": lambda m: ((t(m, PROBS), 2), {}),
    "cat": lambda m: (([t(m, X), t(m, Y)], 1), {}),
    "concat": lambda m: (([t(m, X), t(m, Y)], 1), {}),
    "stack": lambda m: (([t(m, X), t(m, Y)], 1), {}),
    "hstack": lambda m: (([t(m, X), t(m, Y)],), {}),
    "vstack": lambda m: (([t(m, X), t(m, Y)],), {}),
    "diag": lambda m: ((t(m, X),), {}),
    "tril": lambda m: ((t(m, X),), {}),
    "triu": lambda m: ((t(m, X), 1), {}),
    "gather": lambda m: ((t(m, X), 1, t(m, IDX)), {}),
    "take_along_dim": lambda m: ((t(m, X), t(m, IDX), 1), {}),
    "scatter": lambda m: ((t(m, X), 1, t(m, IDX), t(m, Y)), {}),
    "index_select": lambda m: ((t(m, X), 1, t(m, IDX[0])), {}),
    "masked_select": lambda m: ((t(m, X), t(m, XB)), {}),
    "nonzero": lambda m: ((t(m, XB),), {}),
    "argsort": lambda m: ((t(m, X),), {"stable": True, "dim": 1}),
    "scatter_add": lambda m: ((t(m, X), 1, t(m, IDX), t(m, Y)), {}),
    "scatter_reduce": lambda m: ((t(m, X), 1, t(m, IDX), t(m, Y), "amax"), {}),
    "take": lambda m: ((t(m, X), t(m, IDX)), {}),
    "svd": lambda m: ((t(m, SQ),), {}),
    "linalg.det": lambda m: ((t(m, SQ),), {}),
    "linalg.inv": lambda m: ((t(m, SQ),), {}),
    "linalg.solve": lambda m: ((t(m, SQ), t(m, X[:, :3])), {}),
    "linalg.matrix_power": lambda m: ((t(m, SQ), 3), {}),
    "linalg.matrix_exp": lambda m: ((t(m, SQ * 0.1),), {}),
    "linalg.matrix_norm": lambda m: ((t(m, SQ),), {}),
    "linalg.norm": lambda m: ((t(m, X),), {"dim": 1}),
    "linalg.vector_norm": lambda m: ((t(m, X),), {"dim": 1}),
    "nn.functional.normalize": lambda m: ((t(m, X),), {}),
    "nn.functional.linear": lambda m: ((t(m, X), t(m, A34[:2])), {}),
    "nn.functional.avg_pool2d": lambda m: ((t(m, X[None, None]), 2), {}),
    "fft.fft": unary,
    "fft.ifft": unary,
    "fft.rfft": unary,
    "fft.irfft": unary,
    "fft.fftn": unary,
    "fft.ifftn": unary,
    "fft.rfftn": unary,
    "fft.irfftn": unary,
    "fft.fftfreq": lambda m: ((6,), {}),
    "fft.rfftfreq": lambda m: ((6,), {}),
}
NO_VALUES = {"empty"}  # uninitialised memory: compare shape and dtype only
# random draws: shape and dtype against torch; the numbers against torchlet's own call without
# out= from the same seed (the streams themselves are tested in test_random.py)
RANDOM = {"rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial"}
# every remaining checklist function with out= is a pointwise op of one or two float tensors
BINARY = {
    "atan2",
    "copysign",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "floor_divide",
    "fmod",
    "remainder",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "xlogy",
    "mul",
    "multiply",
    "subtract",
    "divide",
}

OUT_FUNCS = out_functions()


def sample(name):
    if name in S:
        return S[name]
    return binary if name in BINARY else unary


def _call(m, name, out, grad_input=False):
    args, kw = sample(name)(m)
    if grad_input:
        args = tuple(a.requires_grad_() if hasattr(a, "requires_grad_") and a.is_floating_point() else a for a in args)
    return resolve(m, name)(*args, **kw, out=out)


def _seed():
    torch.manual_seed(0)
    torchlet.manual_seed(0)


def _fn_or_skip(name):
    try:
        return resolve(torchlet, name)
    except AttributeError:
        pytest.skip(f"torchlet.{name} is not implemented on this branch")


def _plain_result(name):
    """torch's result without out= (None when the call itself fails)."""
    args, kw = sample(name)(torch)
    _seed()
    with torch.no_grad():
        return resolve(torch, name)(*args, **kw)


def _outs(res, m, shape=(0,), dtype_fn=lambda d: d):
    """Out tensors (or a tuple of them) matching torch result `res`'s dtypes."""
    if isinstance(res, tuple):
        return tuple(_outs(r, m, shape, dtype_fn) for r in res)
    d = dtype_fn(res.dtype)
    return m.empty(shape, dtype=getattr(m, str(d).split(".")[-1]))


def _outcome(fn):
    """(result, None) or (None, exception) with warnings recorded."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = fn()
            e = None
        except Exception as exc:
            r, e = None, exc
    msgs = [re.sub(r"\s*\(Triggered internally at .*\)$", "", str(x.message)) for x in w if "resized" in str(x.message)]
    return r, e, msgs


def _same_error(ours, theirs):
    assert (ours is None) == (theirs is None), f"torchlet: {ours!r}, torch: {theirs!r}"
    if theirs is not None:
        assert type(ours) is type(theirs), (
            f"torchlet {type(ours).__name__}: {ours}; torch {type(theirs).__name__}: {theirs}"
        )


def _same_values(name, ours, theirs):
    if name in RANDOM and not isinstance(ours, tuple):
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[9:] == str(theirs.dtype)[6:]
        args, kw = sample(name)(torchlet)
        _seed()
        with torchlet.no_grad():
            mine = resolve(torchlet, name)(
                *args, **kw, **({"dtype": ours.dtype} if name in ("rand", "randn", "randint", "randperm") else {})
            )
        assert_same(ours, _to_torch(mine.to(ours.dtype).reshape(ours.shape)), what=name)
    elif name in NO_VALUES:
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[9:] == str(theirs.dtype)[6:]
    else:
        assert_same(ours, theirs, rtol=1e-5, atol=1e-6, what=name)


def _to_torch(x):
    return torch.from_numpy(x.numpy().copy())


def _identity(res, out):
    if isinstance(out, tuple):
        assert isinstance(res, tuple) and len(res) == len(out)
        assert all(r is o for r, o in zip(res, out))
        assert type(res).__name__.endswith("_out") or type(res) is tuple
    else:
        assert res is out


def test_the_list_is_derived_from_torch():
    # PyTorch's docs and parser give these; the list must not be empty or tiny
    for name in ("add", "cat", "sum", "zeros", "max", "sort", "argmax", "true_divide"):
        assert name in OUT_FUNCS
    for name in ("clone", "reshape", "relu", "squeeze"):
        assert name not in OUT_FUNCS


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_values_and_identity(name):
    """An empty out (no warning), resized to the result; the call returns out itself."""
    _fn_or_skip(name)
    if S.get(name, 0) is None:
        pytest.skip(f"{name}: no torchlet sample (sparse)")
    expected = _plain_result(name)
    out_t, out_l = _outs(expected, torch), _outs(expected, torchlet)
    _seed()
    rt, et, wt = _outcome(lambda: _call(torch, name, out_t))
    _seed()
    rl, el, wl = _outcome(lambda: _call(torchlet, name, out_l))
    _same_error(el, et)
    if et is not None:
        return
    assert wl == wt == []
    _identity(rl, out_l)
    _same_values(name, rl, rt)


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_resize_warning(name):
    """A non-empty out of another shape is resized with PyTorch's UserWarning."""
    _fn_or_skip(name)
    if S.get(name, 0) is None:
        pytest.skip(f"{name}: no torchlet sample (sparse)")
    expected = _plain_result(name)
    out_t, out_l = _outs(expected, torch, (7,)), _outs(expected, torchlet, (7,))
    _seed()
    rt, et, wt = _outcome(lambda: _call(torch, name, out_t))
    _seed()
    rl, el, wl = _outcome(lambda: _call(torchlet, name, out_l))
    _same_error(el, et)
    if et is None:
        assert wl == wt
        _identity(rl, out_l)
        _same_values(name, rl, rt)


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_shares_memory_with_views(name):
    """An out of the right shape is written in place: a view of it sees the values."""
    _fn_or_skip(name)
    if S.get(name, 0) is None or name in NO_VALUES:
        pytest.skip(f"{name}: no values to see")
    expected = _plain_result(name)
    if isinstance(expected, tuple):
        expected = expected[0]
        pick = lambda o: o[0]
    else:
        pick = lambda o: o
    results = []
    for m in (torch, torchlet):
        res = _plain_result(name)
        outs = _outs(res, m, tuple(expected.shape))
        base = pick(outs)
        flat = base.reshape(-1)  # a view of out's memory
        _seed()
        _, e, _ = _outcome(lambda: _call(m, name, outs))
        results.append((e, flat))
    (et, flat_t), (el, flat_l) = results
    _same_error(el, et)
    if et is None:
        _same_values(name, flat_l, flat_t)


def _uncastable(d):
    if d.is_complex:
        return torch.float32
    if d.is_floating_point:
        return torch.int64
    if d == torch.bool:
        return torch.float32  # bool casts to anything: no error expected
    return torch.bool


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_dtype_cast_error(name):
    """An out whose dtype the result can't be cast to raises PyTorch's error."""
    _fn_or_skip(name)
    if S.get(name, 0) is None:
        pytest.skip(f"{name}: no torchlet sample (sparse)")
    expected = _plain_result(name)
    out_t, out_l = _outs(expected, torch, dtype_fn=_uncastable), _outs(expected, torchlet, dtype_fn=_uncastable)
    _seed()
    rt, et, _ = _outcome(lambda: _call(torch, name, out_t))
    _seed()
    rl, el, _ = _outcome(lambda: _call(torchlet, name, out_l))
    _same_error(el, et)
    if et is None:
        _identity(rl, out_l)
        if name not in ("rand", "randn", "normal", "randperm"):  # a draw in another dtype
            _same_values(name, rl, rt)
    elif isinstance(et, RuntimeError) and "cast" in str(et):
        assert str(el) == str(et)


@pytest.mark.parametrize("name", OUT_FUNCS)
@pytest.mark.parametrize("which", ["input", "out"])
def test_out_requires_grad(name, which):
    """Under grad mode an out= call whose result needs a gradient raises."""
    _fn_or_skip(name)
    if S.get(name, 0) is None:
        pytest.skip(f"{name}: no torchlet sample (sparse)")
    expected = _plain_result(name)
    res = []
    for m in (torch, torchlet):
        outs = _outs(expected, m)
        if which == "out":
            for o in outs if isinstance(outs, tuple) else (outs,):
                if o.is_floating_point():
                    o.requires_grad_()
        _seed()
        res.append(_outcome(lambda: _call(m, name, outs, grad_input=which == "input")))
    (rt, et, _), (rl, el, _) = res
    _same_error(el, et)
    if et is not None and "automatic differentiation" in str(et):
        assert str(el) == str(et)


def test_out_grad_ok_under_no_grad():
    a = torchlet.ones(2, requires_grad=True)
    o = torchlet.empty(2)
    with torchlet.no_grad():
        assert torchlet.add(a, a, out=o) is o
    assert o.tolist() == [2.0, 2.0] and not o.requires_grad


def test_out_wrong_type():
    a = torchlet.ones(2)
    for bad in (3, [a, a]):
        with pytest.raises(TypeError):
            torchlet.add(a, a, out=bad)
    with pytest.raises(TypeError):
        torch.max(torch.ones(2, 2), 1, out=torch.empty(0))
    with pytest.raises(TypeError):
        torchlet.max(torchlet.ones(2, 2), 1, out=torchlet.empty(0))


def test_out_bumps_version_and_keeps_view_links():
    base = torchlet.zeros(2, 3)
    row = base[1]
    v = row._version[0]
    torchlet.add(torchlet.ones(3), 1, out=row)
    assert base.tolist() == [[0, 0, 0], [2, 2, 2]]
    assert row._version[0] > v


# ----- functions and methods without out= --------------------------------------
NO_OUT = sorted(n for n, _ in torch_functions() if n not in OUT_FUNCS)


@pytest.mark.parametrize("name", NO_OUT)
def test_no_out_where_torch_has_none(name):
    try:
        f = resolve(torchlet, name)
    except AttributeError:
        pytest.skip(f"torchlet.{name} is not implemented on this branch")
    if not callable(f) or inspect.isclass(f):
        return
    try:
        params = inspect.signature(f).parameters
    except (TypeError, ValueError):
        return
    assert "out" not in params, f"torch.{name} takes no out="


@pytest.mark.parametrize("name", sorted(set(OUT_FUNCS) & set(tensor_methods())))
def test_methods_take_no_out(name):
    m = getattr(torchlet.Tensor, name, None)
    if m is None:
        pytest.skip(f"Tensor.{name} is not implemented on this branch")
    x = torch.ones(2, 2)
    with pytest.raises(TypeError):
        getattr(x, name)(out=torch.empty(0))
    assert "out" not in inspect.signature(m).parameters


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.sum(m.ones(2, 3), out=m.empty(0)),  # sum(input) has no out= overload
        lambda m: m.std_mean(m.ones(2, 3), 1, out=(m.empty(0), m.empty(0))),
        lambda m: m.clone(m.ones(2), out=m.empty(0)),
        lambda m: m.ones(2).add(1, out=m.empty(0)),
    ],
)
def test_out_refused_as_torch(call):
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(torchlet)
