"""str()/repr() of tensors must be PyTorch's, character for character
(with 'torch.' read as 'torchlet.')."""

import numpy as np
import pytest

import torchlet

rng = np.random.default_rng(1234)


def _normal(shape, scale=1.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale).astype(dtype)


ARRAYS = {
    "small_normal": _normal((5,)),
    "normal_2d": _normal((4, 6)),
    "normal_3d": _normal((2, 3, 4)),
    "normal_4d": _normal((2, 2, 3, 2)),
    "tiny": _normal((3, 3), 1e-6),
    "huge": _normal((3, 3), 1e9),
    "wide_range": np.array([1e-3, 1.0, 5e3], np.float32),
    "ratio_just_under": np.array([1.0, 999.0], np.float32),
    "ratio_over": np.array([1.0, 1001.0], np.float32),
    "min_1e-4": np.array([1e-4, 0.5], np.float64),
    "int_valued_float": np.array([1.0, 2.0, -3.0, 100.0], np.float32),
    "int_valued_big": np.array([1.0, 2e9], np.float64),
    "int_valued_sci": np.array([1.0, 20000.0], np.float32),
    "zeros": np.zeros((2, 3), np.float32),
    "neg_zero": np.array([-0.0, 0.0, 1.0], np.float32),
    "nan_inf": np.array([1.5, np.nan, np.inf, -np.inf, 0.0], np.float32),
    "only_nan_inf": np.array([np.nan, np.inf, -np.inf], np.float32),
    "int_mode_nan": np.array([1.0, np.nan, 2.0, -np.inf], np.float64),
    "rounding_up": np.array([9.99996, 0.5], np.float32),
    "long_row": _normal((30,)),
    "long_row_2d": _normal((3, 25), 100.0),
    "big_1d": _normal((2000,)),
    "big_2d": _normal((100, 50)),
    "big_3d": _normal((20, 10, 10), 1e-5),
    "big_int": np.arange(3000, dtype=np.int64).reshape(30, 100) - 1500,
    "big_bool": rng.integers(0, 2, (1500,)).astype(bool),
    "ints": rng.integers(-1000, 1000, (4, 5)).astype(np.int64),
    "int32": rng.integers(-50, 50, (3, 4)).astype(np.int32),
    "int16": rng.integers(-50, 50, (6,)).astype(np.int16),
    "int8": rng.integers(-50, 50, (6,)).astype(np.int8),
    "uint8": rng.integers(0, 255, (2, 5)).astype(np.uint8),
    "bools": rng.integers(0, 2, (3, 4)).astype(bool),
    "float64": _normal((3, 3), 1.0, np.float64),
    "float16": _normal((2, 4), 1.0, np.float16),
    "float16_int": np.array([1, 2, 2048], np.float16),
    "complex64": (_normal((3,)) + 1j * _normal((3,))).astype(np.complex64),
    "complex_2d": (_normal((2, 2)) - 1j * _normal((2, 2), 1e-5)).astype(np.complex128),
    "scalar_float": np.array(3.14159, np.float32),
    "scalar_int_float": np.array(2.0, np.float32),
    "scalar_tiny": np.array(1.5e-7, np.float32),
    "scalar_int": np.array(7, np.int64),
    "scalar_int32": np.array(-7, np.int32),
    "scalar_bool": np.array(False),
    "scalar_nan": np.array(np.nan, np.float32),
    "scalar_f64": np.array(0.1, np.float64),
    "empty": np.zeros((0,), np.float32),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_3d": np.zeros((2, 0, 1), np.float32),
    "empty_int": np.zeros((0,), np.int64),
    "empty_f64_2d": np.zeros((3, 0), np.float64),
    "empty_bool": np.zeros((0,), bool),
    "single": np.array([42.5], np.float32),
    "column": _normal((5, 1)),
    "noncontig": _normal((4, 3)).T,
}


def _pair(name, torch):
    a = ARRAYS[name]
    return torchlet.from_numpy(a.copy()), torch.from_numpy(a.copy())


def _theirs(t):
    return str(t).replace("torch.", "torchlet.")


@pytest.mark.parametrize("name", list(ARRAYS))
def test_str_matches_torch(name, torch):
    ours, theirs = _pair(name, torch)
    assert str(ours) == _theirs(theirs)
    assert repr(ours) == repr(theirs).replace("torch.", "torchlet.")


@pytest.mark.parametrize("name", ["normal_2d", "int_valued_float", "nan_inf", "big_2d", "float16"])
def test_bfloat16(name, torch):
    a = ARRAYS[name].astype(np.float32)
    ours = torchlet.from_numpy(a.copy()).to(torchlet.bfloat16)
    theirs = torch.from_numpy(a.copy()).to(torch.bfloat16)
    assert str(ours) == _theirs(theirs)


@pytest.mark.parametrize("name", ["normal_2d", "ints", "float64", "scalar_float", "empty", "empty_int"])
def test_default_dtype_float64(name, torch):
    torchlet.set_default_dtype(torchlet.float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        ours, theirs = _pair(name, torch)
        assert str(ours) == _theirs(theirs)
    finally:
        torch.set_default_dtype(old)


@pytest.fixture
def printopts(torch):
    yield
    torchlet.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(precision=0),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=5, threshold=10),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(linewidth=10),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
]


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
@pytest.mark.parametrize(
    "name",
    [
        "normal_2d",
        "big_1d",
        "big_2d",
        "big_3d",
        "ints",
        "tiny",
        "int_valued_float",
        "nan_inf",
        "long_row",
        "complex64",
        "scalar_float",
        "empty_2d",
        "bools",
        "huge",
    ],
)
def test_printoptions(opts, name, torch, printopts):
    torchlet.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    ours, theirs = _pair(name, torch)
    assert str(ours) == _theirs(theirs)


def test_printoptions_reset_and_context(torch, printopts):
    x = ARRAYS["normal_2d"]
    default = str(torchlet.from_numpy(x))
    torchlet.set_printoptions(precision=1)
    assert str(torchlet.from_numpy(x)) != default
    torchlet.set_printoptions(profile="default")
    assert str(torchlet.from_numpy(x)) == default
    from torchlet._tensor_str import printoptions, get_printoptions

    with printoptions(precision=2, sci_mode=True):
        torch.set_printoptions(precision=2, sci_mode=True)
        assert str(torchlet.from_numpy(x)) == _theirs(torch.from_numpy(x))
        assert get_printoptions()["precision"] == 2
    assert str(torchlet.from_numpy(x)) == default


def _graph(m):
    a = m.tensor([[1.5, -2.0], [0.25, 3.0]], requires_grad=True)
    b = m.tensor([2.0, 0.5], dtype=m.float64, requires_grad=True)
    return {
        "leaf": a,
        "leaf_f64": b,
        "mul": a * 2,
        "add": a + a,
        "sum": a.sum(),
        "mul_f64": b * b,
        "detached": (a * 2).detach(),
    }


@pytest.mark.parametrize("key", ["leaf", "leaf_f64", "mul", "add", "sum", "mul_f64", "detached"])
def test_autograd_suffixes(key, torch):
    assert str(_graph(torchlet)[key]) == _theirs(_graph(torch)[key])


def test_suffix_wraps_at_linewidth(torch):
    a = ARRAYS["long_row_2d"].astype(np.float64)
    ours = torchlet.from_numpy(a.copy()).requires_grad_()
    theirs = torch.from_numpy(a.copy()).requires_grad_()
    assert str(ours * 2) == _theirs(theirs * 2)
    assert str(ours) == _theirs(theirs)


def test_creation_results_print(torch):
    for f in (
        lambda m: m.arange(12).reshape(3, 4),
        lambda m: m.ones(2, 3),
        lambda m: m.zeros(3, dtype=m.int32),
        lambda m: m.linspace(0, 1, 7),
        lambda m: m.tensor([True, False]),
        lambda m: m.tensor([]),
    ):
        assert str(f(torchlet)) == _theirs(f(torch))


def test_format(torch):
    for v in (1.5, 2.0, -3.25, 7):
        ours, theirs = torchlet.tensor(v), torch.tensor(v)
        for spec in ("", ".3f", ">10", ".2e"):
            if isinstance(v, int) and spec in (".3f", ".2e"):
                continue
            assert format(ours, spec) == format(theirs, spec)
        assert f"{ours}" == f"{theirs}"
    ours, theirs = torchlet.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    assert f"{ours}" == f"{theirs}"
    with pytest.raises(TypeError):
        format(theirs, ".2f")
    with pytest.raises(TypeError):
        format(ours, ".2f")


def test_subclass_prefix():
    class MyTensor(torchlet.Tensor):
        pass

    t = torchlet.tensor([1.0, 2.0])
    sub = MyTensor.__new__(MyTensor)
    sub._data = t._data
    assert str(sub) == "MyTensor([1., 2.])"


def test_tensor_contents_and_body(torch):
    x = ARRAYS["normal_2d"]
    ours = torchlet.from_numpy(x)
    assert ours.__repr__(tensor_contents="[...]") == torch.from_numpy(x).__repr__(tensor_contents="[...]")
    from torchlet._tensor_str import tensor_body

    assert "tensor(" + tensor_body(ours) + ")" == str(ours)
