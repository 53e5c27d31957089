"""Integer and bool inputs to ops PyTorch promotes to floating point, against torch.

The promoting ops are found by asking PyTorch: every checklist function that, called
on int64 tensors as f(x) or f(x, y), returns a floating tensor. Each is then called on
every integer and bool dtype, with float32 and float64 as the default dtype, and its
result dtype and values (or its exception class) compared with torch's. Reductions
given dtype=, scalar operands and true division by Python numbers are listed below.
"""

import inspect
import warnings

import numpy as np
import pytest

import torchlet
from api_names import torch_functions
from oracle import assert_same

torch = pytest.importorskip("torch")

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool"]
DEFAULTS = ["float32", "float64"]
_R = np.random.RandomState(3)
A = _R.randint(1, 5, (3, 4))
B = _R.randint(1, 5, (3, 4))
# creation / random / shape functions are not arithmetic: nothing to promote
_NOT_ARITHMETIC = (
    "rand",
    "randn",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
    "empty",
    "zeros",
    "ones",
    "full",
    "eye",
    "arange",
    "linspace",
    "logspace",
    "tensor",
    "as_tensor",
    "from_numpy",
    "polar",
    "complex",
    "randint",
    "randperm",
)


def _arr(a, dt):
    return (a % 2).astype(bool) if dt == "bool" else a.astype(dt)


def _pattern_promotes(f, n_args):
    x = torch.tensor(A)
    args = (x,) if n_args == 1 else (x, torch.tensor(B))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f(*args)
    except Exception:
        return False
    return isinstance(r, torch.Tensor) and r.is_floating_point()


def _promoting():
    found = []
    for name, f in torch_functions():
        # torch's C++ ops only: a Python function (set_printoptions, save ...) may change state
        if (
            "." in name
            or name in _NOT_ARITHMETIC
            or not inspect.isbuiltin(f)
            or name.startswith(("set_", "manual_seed", "use_", "seed"))
        ):
            continue
        for n in (1, 2):
            if _pattern_promotes(f, n):
                found.append((name, n))
                break
    return found


PROMOTING = _promoting()


def _run(m, fn, *args, **kw):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(m, *args, **kw), None
    except Exception as e:
        return None, e


def _compare(fn, default):
    torch.set_default_dtype(getattr(torch, default))
    torchlet.set_default_dtype(getattr(torchlet, default))
    try:
        rt, et = _run(torch, fn)
        rl, el = _run(torchlet, fn)
    finally:
        torch.set_default_dtype(torch.float32)
        torchlet.set_default_dtype(torchlet.float32)
    assert (el is None) == (et is None), f"torchlet: {el!r}; torch: {et!r}"
    if et is not None:
        assert type(el) is type(et), f"torchlet {type(el).__name__}: {el}; torch {type(et).__name__}: {et}"
        return
    tol = dict(rtol=1e-5, atol=1e-6) if str(rt.dtype) != "torch.float64" else dict(rtol=1e-10, atol=1e-12)
    assert_same(rl, rt, **tol)


def test_promoting_ops_found():
    names = {n for n, _ in PROMOTING}
    for n in ("div", "true_divide", "sqrt", "exp", "sin", "sigmoid", "atan2"):
        assert n in names


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("dt", INT_DTYPES)
@pytest.mark.parametrize("name,n_args", PROMOTING, ids=[n for n, _ in PROMOTING])
def test_promoting_op(name, n_args, dt, default):
    if not hasattr(torchlet, name):
        pytest.skip(f"torchlet.{name} is not implemented on this branch")

    def fn(m):
        args = [m.tensor(_arr(A, dt))] + ([m.tensor(_arr(B, dt))] if n_args == 2 else [])
        return getattr(m, name)(*args)

    _compare(fn, default)


CALLS = {
    "truediv_op": lambda m, x: x / m.tensor(_arr(B, str(x.dtype).split(".")[-1])),
    "div_none": lambda m, x: m.div(x, x, rounding_mode=None),
    "div_scalar": lambda m, x: x / 2,
    "rdiv_scalar": lambda m, x: 2 / x,
    "mul_float_scalar": lambda m, x: x * 1.5,
    "add_float_scalar": lambda m, x: x + 0.5,
    "pow_float_scalar": lambda m, x: x**0.5,
    "rpow_float": lambda m, x: 2.0**x,
    "float_0d": lambda m, x: x + m.tensor(0.5),
    "float_0d_f64": lambda m, x: x * m.tensor(0.5, dtype=m.float64),
    "mean": lambda m, x: x.mean(),
    "mean_dtype": lambda m, x: x.mean(dtype=m.float64),
    "mean_dim_dtype": lambda m, x: m.mean(x, 1, dtype=m.float32),
    "nanmean": lambda m, x: m.nanmean(x),
    "sum_dtype": lambda m, x: x.sum(dtype=m.float32),
    "sum_dim_dtype": lambda m, x: m.sum(x, 0, dtype=m.float64),
    "sum": lambda m, x: x.sum(),
    "prod_dtype": lambda m, x: x.prod(1, dtype=m.float64),
    "cumsum_dtype": lambda m, x: x.cumsum(1, dtype=m.float32),
    "cumprod_dtype": lambda m, x: x.cumprod(0, dtype=m.float64),
    "std": lambda m, x: x.std(),
    "var": lambda m, x: x.var(1),
    "logsumexp": lambda m, x: m.logsumexp(x, 1),
    "softmax": lambda m, x: m.softmax(x, 1),
    "softmax_dtype": lambda m, x: m.softmax(x, 1, dtype=m.float64),
    "norm": lambda m, x: x.norm(),
    "lerp": lambda m, x: m.lerp(x, x, 0.5),
    "sigmoid_": lambda m, x: x.sigmoid_(),
    "div_": lambda m, x: x.div_(2),
    "true_divide_method": lambda m, x: x.true_divide(3),
    "float_power": lambda m, x: m.float_power(x, 2),
    "mean_out_dtype": lambda m, x: m.mean(x.float(), 1, out=m.empty(0, dtype=m.float64)),
}


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("dt", INT_DTYPES)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_promoting_call(call, dt, default):
    def fn(m):
        if not hasattr(m, "float_power") and call == "float_power":
            pytest.skip("torchlet.float_power is not implemented on this branch")
        return CALLS[call](m, m.tensor(_arr(A, dt)))

    _compare(fn, default)


def test_result_type_and_default_dtype():
    """result_type: the one rule (scalars and 0-d tensors lift the category only)."""
    for default in DEFAULTS:
        torch.set_default_dtype(getattr(torch, default))
        torchlet.set_default_dtype(getattr(torchlet, default))
        try:
            for dt in INT_DTYPES:
                for other in (1, 1.5, True, 1j, torch.tensor(2.5), torch.tensor([2.5])):
                    a = torch.tensor(_arr(A, dt))
                    o = other if not isinstance(other, torch.Tensor) else other
                    ours_o = other if not isinstance(other, torch.Tensor) else torchlet.tensor(other.numpy())
                    want = str(torch.result_type(a, o)).split(".")[-1]
                    got = str(torchlet.result_type(torchlet.tensor(_arr(A, dt)), ours_o)).split(".")[-1]
                    assert got == want, (dt, other, default)
        finally:
            torch.set_default_dtype(torch.float32)
            torchlet.set_default_dtype(torchlet.float32)
