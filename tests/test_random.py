"""Generators, seeding, RNG state, and the random ops: reproducibility,
shapes/dtypes/errors as PyTorch's, and distribution sanity."""

import copy

import numpy as np
import pytest

import torchlet
from tests.oracle import check_error

N = 100_000


def _np(t):
    return np.asarray(t._data)


# ----- generators and seeding ------------------------------------------------
SAMPLERS = [
    lambda g: torchlet.rand(5, generator=g),
    lambda g: torchlet.randn(2, 3, generator=g),
    lambda g: torchlet.randint(0, 100, (6,), generator=g),
    lambda g: torchlet.randperm(20, generator=g),
    lambda g: torchlet.normal(0.0, 1.0, (4,), generator=g),
    lambda g: torchlet.normal(torchlet.zeros(4), torchlet.ones(4), generator=g),
    lambda g: torchlet.bernoulli(torchlet.full((20,), 0.5), generator=g),
    lambda g: torchlet.multinomial(torchlet.ones(10), 5, generator=g),
    lambda g: torchlet.multinomial(torchlet.ones(2, 10), 5, True, generator=g),
    lambda g: torchlet.poisson(torchlet.full((6,), 3.0), generator=g),
    lambda g: torchlet.empty(6).uniform_(-1, 1, generator=g),
    lambda g: torchlet.empty(6).normal_(generator=g),
    lambda g: torchlet.empty(6, dtype=torchlet.int64).random_(generator=g),
    lambda g: torchlet.empty(6).exponential_(generator=g),
    lambda g: torchlet.empty(20).bernoulli_(0.5, generator=g),
    lambda g: torchlet.empty(6).cauchy_(generator=g),
    lambda g: torchlet.empty(6).log_normal_(generator=g),
    lambda g: torchlet.empty(6).geometric_(0.2, generator=g),
]


@pytest.mark.parametrize("i", range(len(SAMPLERS)))
def test_same_seed_same_numbers(i):
    f = SAMPLERS[i]
    g1, g2 = torchlet.Generator().manual_seed(7), torchlet.Generator().manual_seed(7)
    assert np.array_equal(_np(f(g1)), _np(f(g2)))
    assert np.array_equal(_np(f(g1)), _np(f(g2)))  # and the streams stay in step
    g3 = torchlet.Generator().manual_seed(8)
    g1.manual_seed(7)
    a, b = _np(f(g1)), _np(f(g3))
    assert not np.array_equal(a, b)
    # the default generator: manual_seed makes runs repeat
    torchlet.manual_seed(123)
    a = _np(f(None))
    torchlet.manual_seed(123)
    assert np.array_equal(a, _np(f(None)))


def test_different_seeds_differ():
    torchlet.manual_seed(1)
    a = torchlet.rand(100)
    torchlet.manual_seed(2)
    b = torchlet.rand(100)
    assert not np.array_equal(_np(a), _np(b))
    c = torchlet.rand(100)  # the stream moves on
    assert not np.array_equal(_np(b), _np(c))


def test_manual_seed_returns_default_generator(torch):
    g = torchlet.manual_seed(5)
    assert g is torchlet.default_generator
    assert torch.manual_seed(5) is torch.default_generator
    assert torchlet.initial_seed() == torch.initial_seed() == 5


@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5, 2**63 - 1, 2**64 - 1, -1, -(2**63), True])
def test_seed_range_as_torch(seed, torch):
    torchlet.manual_seed(seed)
    torch.manual_seed(seed)
    assert torchlet.initial_seed() == torch.initial_seed()
    seed = int(seed)
    assert torchlet.Generator().manual_seed(seed).initial_seed() == torch.Generator().manual_seed(seed).initial_seed()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1, "a"])
def test_seed_errors(seed, torch):
    check_error(lambda m: m.manual_seed(seed))


@pytest.mark.parametrize("seed", [True, 1.5, "3", np.int64(3)])
def test_generator_seed_type_errors(seed, torch):
    ours, theirs = check_error(lambda m: m.Generator().manual_seed(seed))
    assert str(ours) == str(theirs)


def test_module_seed_takes_int_of_value(torch):
    for s in (1.5, np.int64(3), torchlet.tensor(4)):
        assert torchlet.manual_seed(s).initial_seed() == int(s)


def test_generator_defaults(torch):
    g, tg = torchlet.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed()
    assert str(g.device) == str(tg.device) == "cpu"
    assert g.manual_seed(3) is g
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    s2 = torchlet.seed()
    assert torchlet.initial_seed() == s2


def test_generators_are_independent():
    torchlet.manual_seed(0)
    expected = _np(torchlet.rand(10))
    torchlet.manual_seed(0)
    g = torchlet.Generator().manual_seed(0)
    torchlet.randn(1000, generator=g)
    torchlet.randint(0, 5, (100,), generator=g)
    assert np.array_equal(_np(torchlet.rand(10)), expected)
    g2 = torchlet.Generator().manual_seed(0)
    a = _np(torchlet.rand(5, generator=g2))
    torchlet.rand(100)  # the default stream does not move g3
    g3 = torchlet.Generator().manual_seed(0)
    assert np.array_equal(a, _np(torchlet.rand(5, generator=g3)))


def test_state_round_trip(torch):
    torchlet.manual_seed(42)
    torchlet.rand(3)
    state = torchlet.get_rng_state()
    assert state.dtype is torchlet.uint8 and state.dim() == 1
    assert torch.get_rng_state().dtype == torch.uint8
    a = _np(torchlet.randn(1001))  # odd count: a buffered half-draw must be restored too
    b = _np(torchlet.randint(0, 2**40, (7,)))
    torchlet.manual_seed(999)
    torchlet.set_rng_state(state)
    assert np.array_equal(_np(torchlet.randn(1001)), a)
    assert np.array_equal(_np(torchlet.randint(0, 2**40, (7,))), b)
    assert torchlet.initial_seed() == 42


def test_generator_state_round_trip():
    g = torchlet.Generator().manual_seed(3)
    torchlet.rand(5, generator=g)
    st = g.get_state()
    a = _np(torchlet.rand(9, generator=g))
    h = torchlet.Generator().set_state(st)
    assert np.array_equal(_np(torchlet.rand(9, generator=h)), a)
    assert h.initial_seed() == 3
    st2 = st.clone()  # the state tensor is a copy: drawing does not change it
    torchlet.rand(5, generator=g)
    assert np.array_equal(_np(st), _np(st2))


def test_state_errors(torch):
    e1, t1 = check_error(lambda m: m.set_rng_state(m.zeros(5)))
    assert str(e1) == str(t1)
    check_error(lambda m: m.set_rng_state(m.zeros(5, dtype=m.uint8)))
    check_error(lambda m: m.Generator().set_state([1, 2]))


def test_fork_rng():
    torchlet.manual_seed(0)
    with torchlet.random.fork_rng():
        torchlet.rand(100)
    a = _np(torchlet.rand(4))
    torchlet.manual_seed(0)
    assert np.array_equal(_np(torchlet.rand(4)), a)


def test_generator_deepcopy():
    g = torchlet.Generator().manual_seed(11)
    h = copy.deepcopy(g)
    assert np.array_equal(_np(torchlet.rand(4, generator=g)), _np(torchlet.rand(4, generator=h)))


# ----- shapes, dtypes, grad flags as torch's -----------------------------------
CALLS = {
    "rand_varargs": lambda m: m.rand(2, 3),
    "rand_tuple": lambda m: m.rand((2, 3)),
    "rand_list": lambda m: m.rand([4]),
    "rand_size_kw": lambda m: m.rand(size=(2, 1)),
    "rand_scalar": lambda m: m.rand(()),
    "rand_empty": lambda m: m.rand(0, 3),
    "rand_f64": lambda m: m.rand(3, dtype=m.float64),
    "rand_f16": lambda m: m.rand(3, dtype=m.float16),
    "rand_bf16": lambda m: m.rand(3, dtype=m.bfloat16),
    "rand_c64": lambda m: m.rand(3, dtype=m.complex64),
    "rand_rg": lambda m: m.rand(3, requires_grad=True),
    "randn": lambda m: m.randn(3, 4),
    "randn_f64": lambda m: m.randn(2, dtype=m.float64, requires_grad=True),
    "randn_c128": lambda m: m.randn(2, dtype=m.complex128),
    "randint_high": lambda m: m.randint(5, (3,)),
    "randint_low_high": lambda m: m.randint(-3, 5, (2, 2)),
    "randint_kw": lambda m: m.randint(low=1, high=3, size=(4,)),
    "randint_size_kw": lambda m: m.randint(3, size=(2,)),
    "randint_int32": lambda m: m.randint(0, 5, (3,), dtype=m.int32),
    "randint_uint8": lambda m: m.randint(0, 255, (3,), dtype=m.uint8),
    "randint_float": lambda m: m.randint(0, 5, (3,), dtype=m.float32),
    "randint_bool": lambda m: m.randint(0, 2, (3,), dtype=m.bool),
    "randint_big": lambda m: m.randint(0, 2**62, (3,)),
    "randperm": lambda m: m.randperm(7),
    "randperm_0": lambda m: m.randperm(0),
    "randperm_f32": lambda m: m.randperm(5, dtype=m.float32),
    "randperm_int32": lambda m: m.randperm(5, dtype=m.int32),
    "normal_ff": lambda m: m.normal(2.0, 3.0, (3, 2)),
    "normal_ff_int_args": lambda m: m.normal(0, 1, (3,)),
    "normal_ff_f64": lambda m: m.normal(0.0, 1.0, (3,), dtype=m.float64),
    "normal_tt": lambda m: m.normal(m.zeros(3), m.ones(3)),
    "normal_tt_broadcast": lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
    "normal_tt_promote": lambda m: m.normal(m.zeros(2, dtype=m.float64), m.ones(2)),
    "normal_tf": lambda m: m.normal(m.zeros(2, 3, dtype=m.float64), 2.0),
    "normal_ft": lambda m: m.normal(1.0, m.ones(4)),
    "bernoulli": lambda m: m.bernoulli(m.full((3, 2), 0.5)),
    "bernoulli_f64": lambda m: m.bernoulli(m.full((3,), 0.5, dtype=m.float64)),
    "bernoulli_p": lambda m: m.bernoulli(m.zeros(3), 0.3),
    "bernoulli_method": lambda m: m.full((3,), 0.2).bernoulli(),
    "multinomial_1d": lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 2),
    "multinomial_2d": lambda m: m.multinomial(m.ones(3, 4), 4),
    "multinomial_repl": lambda m: m.multinomial(m.ones(4), 10, True),
    "multinomial_method": lambda m: m.ones(2, 5).multinomial(3, replacement=True),
    "poisson": lambda m: m.poisson(m.full((2, 2), 3.0)),
    "rand_like": lambda m: m.rand_like(m.zeros(2, 3, dtype=m.float64)),
    "rand_like_dtype": lambda m: m.rand_like(m.zeros(2), dtype=m.float16),
    "randn_like": lambda m: m.randn_like(m.zeros(4), requires_grad=True),
    "randint_like_high": lambda m: m.randint_like(m.zeros(3), 5),
    "randint_like_low_high": lambda m: m.randint_like(m.zeros(2, 2, dtype=m.int32), 3, 9),
    "uniform_": lambda m: m.zeros(3).uniform_(2, 3),
    "uniform_f64": lambda m: m.zeros(3, dtype=m.float64).uniform_(),
    "normal_": lambda m: m.zeros(2, 2).normal_(1, 2),
    "random_float": lambda m: m.zeros(3).random_(),
    "random_to": lambda m: m.zeros(3, dtype=m.int32).random_(10),
    "random_from_to": lambda m: m.zeros(3, dtype=m.int8).random_(-5, 5),
    "random_bool": lambda m: m.zeros(3, dtype=m.bool).random_(),
    "random_uint8": lambda m: m.zeros(3, dtype=m.uint8).random_(),
    "bernoulli_p_": lambda m: m.zeros(3, dtype=m.int64).bernoulli_(0.5),
    "bernoulli_t_": lambda m: m.zeros(2, 3).bernoulli_(m.tensor([0.0, 1.0, 0.5])),
    "exponential_": lambda m: m.zeros(3).exponential_(2.0),
    "geometric_": lambda m: m.zeros(3, dtype=m.int64).geometric_(0.5),
    "log_normal_": lambda m: m.zeros(3, dtype=m.float64).log_normal_(),
    "cauchy_": lambda m: m.zeros(3).cauchy_(),
}


def _same_kind(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize("name", list(CALLS))
def test_shape_dtype_like_torch(name, torch):
    _same_kind(CALLS[name](torchlet), CALLS[name](torch))


def test_default_dtype_float64(torch):
    torchlet.set_default_dtype(torchlet.float64)
    assert torchlet.rand(2).dtype is torchlet.float64
    assert torchlet.randn(2).dtype is torchlet.float64
    assert torchlet.normal(0.0, 1.0, (2,)).dtype is torchlet.float64
    assert torchlet.randint(3, (2,)).dtype is torchlet.int64


def test_inplace_returns_self_and_bumps_version():
    x = torchlet.zeros(4)
    v = x._version[0]
    assert x.uniform_() is x and x._version[0] == v + 1
    before = _np(x).copy()
    x.normal_()
    assert x._version[0] == v + 2 and not np.array_equal(before, _np(x))


@pytest.mark.parametrize(
    "op", ["uniform_", "normal_", "random_", "exponential_", "bernoulli_", "cauchy_", "log_normal_"]
)
def test_inplace_grad_fn_and_zero_grad(op, torch):
    def run(m):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        getattr(y, op)()
        (y * x).sum().backward()
        return y, x.grad

    (yo, go), (yt, gt) = run(torchlet), run(torch)
    assert type(yo.grad_fn).__name__ == type(yt.grad_fn).__name__
    # d/dx of (sample * x) is the sample itself: nothing flows through the sampler
    np.testing.assert_allclose(gt.numpy(), yt.detach().numpy())
    np.testing.assert_allclose(_np(go), _np(yo.detach()))


def test_inplace_on_leaf_requiring_grad(torch):
    e, t = check_error(lambda m: m.ones(2, requires_grad=True).uniform_())
    assert str(e) == str(t)
    with torchlet.no_grad():
        x = torchlet.ones(2, requires_grad=True)
        x.normal_()
    assert x.requires_grad and x.grad_fn is None


@pytest.mark.parametrize("which", ["tt", "tf", "ft"])
def test_normal_grad_fn_names_and_zero_grads(which, torch):
    def run(m):
        mean = m.zeros(3, requires_grad=True)
        std = m.ones(3, requires_grad=True)
        args = {"tt": (mean, std), "tf": (mean, 2.0), "ft": (0.0, std)}[which]
        out = m.normal(*args)
        out.sum().backward()
        return out, mean.grad, std.grad

    ours, theirs = run(torchlet), run(torch)
    assert type(ours[0].grad_fn).__name__ == type(theirs[0].grad_fn).__name__
    for a, b in zip(ours[1:], theirs[1:]):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_array_equal(_np(a), b.numpy())


def test_bernoulli_poisson_grad_fn(torch):
    for f in (lambda m, x: m.bernoulli(x), lambda m, x: m.poisson(x)):
        o = f(torchlet, torchlet.full((3,), 0.5, requires_grad=True))
        t = f(torch, torch.full((3,), 0.5, requires_grad=True))
        assert type(o.grad_fn).__name__ == type(t.grad_fn).__name__


# ----- errors as torch's -----------------------------------------------------
ERRORS = {
    "rand_int": lambda m: m.rand(2, dtype=m.int64),
    "rand_bool": lambda m: m.rand(2, dtype=m.bool),
    "randn_int": lambda m: m.randn(2, dtype=m.int64),
    "randn_bool": lambda m: m.randn(2, dtype=m.bool),
    "rand_neg": lambda m: m.rand(-1),
    "randint_high_le_low": lambda m: m.randint(5, 3, (2,)),
    "randint_equal": lambda m: m.randint(3, 3, (2,)),
    "randint_bool_range": lambda m: m.randint(3, (2,), dtype=m.bool),
    "randint_int32_range": lambda m: m.randint(0, 2**40, (2,), dtype=m.int32),
    "randint_uint8_from": lambda m: m.randint(-1, 5, (2,), dtype=m.uint8),
    "randint_int8_to": lambda m: m.randint(0, 200, (2,), dtype=m.int8),
    "randint_half_range": lambda m: m.randint(0, 2**20, (2,), dtype=m.float16),
    "randperm_neg": lambda m: m.randperm(-1),
    "randperm_bool": lambda m: m.randperm(3, dtype=m.bool),
    "multinomial_too_many": lambda m: m.multinomial(m.tensor([1.0, 2.0]), 3),
    "multinomial_negative": lambda m: m.multinomial(m.tensor([1.0, -2.0]), 1),
    "multinomial_nan": lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1),
    "multinomial_inf": lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1, True),
    "multinomial_zero_sum": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    "multinomial_row_zero_sum": lambda m: m.multinomial(m.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True),
    "multinomial_3d": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial_zero_samples": lambda m: m.multinomial(m.ones(2), 0),
    "multinomial_long": lambda m: m.multinomial(m.ones(2, dtype=m.int64), 1),
    "bernoulli_out_of_range": lambda m: m.bernoulli(m.tensor([2.0])),
    "bernoulli_negative": lambda m: m.bernoulli(m.tensor([-0.5])),
    "bernoulli_long": lambda m: m.bernoulli(m.ones(2, dtype=m.int64)),
    "bernoulli_p_range": lambda m: m.bernoulli(m.zeros(2), 1.5),
    "normal_neg_std_tensor": lambda m: m.normal(m.zeros(2), m.tensor([-1.0, 1.0])),
    "normal_neg_std_float": lambda m: m.normal(0.0, -1.0, (2,)),
    "normal_neg_std_tf": lambda m: m.normal(m.zeros(2), -0.5),
    "normal_neg_std_ft": lambda m: m.normal(1.0, m.tensor([-1.0])),
    "normal_shapes": lambda m: m.normal(m.zeros(2), m.ones(3)),
    "normal_long_mean": lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0),
    "normal_no_size": lambda m: m.normal(0.0, 1.0),
    "uniform_bounds": lambda m: m.zeros(3).uniform_(2, 1),
    "uniform_long": lambda m: m.zeros(3, dtype=m.int64).uniform_(),
    "normal__long": lambda m: m.zeros(3, dtype=m.int64).normal_(),
    "normal__neg_std": lambda m: m.zeros(3).normal_(0, -1),
    "random_bounds": lambda m: m.zeros(3).random_(5, 2),
    "random_to_bool": lambda m: m.zeros(3, dtype=m.bool).random_(0, 3),
    "exponential_lambda": lambda m: m.zeros(3).exponential_(-1),
    "exponential_long": lambda m: m.zeros(3, dtype=m.int64).exponential_(),
    "geometric_p": lambda m: m.zeros(3).geometric_(2),
    "geometric_p0": lambda m: m.zeros(3).geometric_(0),
    "bernoulli__p": lambda m: m.zeros(3).bernoulli_(1.5),
    "log_normal_std": lambda m: m.zeros(3).log_normal_(1, -1),
    "log_normal_long": lambda m: m.zeros(3, dtype=m.int64).log_normal_(),
    "cauchy_sigma": lambda m: m.zeros(3).cauchy_(0, -1),
    "cauchy_long": lambda m: m.zeros(3, dtype=m.int64).cauchy_(),
    "poisson_negative": lambda m: m.poisson(m.tensor([-1.0])),
    "rand_like_long": lambda m: m.rand_like(m.zeros(2, dtype=m.int64)),
    "randn_like_long": lambda m: m.randn_like(m.zeros(2, dtype=m.int64)),
    "randint_no_size": lambda m: m.randint(3, 10),
    "int_requires_grad": lambda m: m.randint(0, 3, (2,), requires_grad=True),
}
# messages that differ from torch's on purpose (argument-parser texts)
_OWN_MESSAGE = {"normal_no_size", "rand_neg", "randint_no_size"}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_as_torch(name, torch):
    ours, theirs = check_error(ERRORS[name])
    if name not in _OWN_MESSAGE:
        assert str(ours) == str(theirs)


# ----- values: ranges and distributions ------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_rand_range_and_dtype(dtype):
    d = getattr(torchlet, dtype)
    x = _np(torchlet.rand(N, dtype=d)).astype(np.float64)
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.std() - 12**-0.5) < 0.01


def test_float32_drawn_as_float32():
    assert torchlet.rand(3)._data.dtype == np.float32
    assert torchlet.randn(3)._data.dtype == np.float32
    assert torchlet.empty(3).normal_()._data.dtype == np.float32


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_randn_moments(dtype):
    x = _np(torchlet.randn(N, dtype=getattr(torchlet, dtype))).astype(np.float64)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02


def test_complex_moments():
    z = _np(torchlet.randn(N, dtype=torchlet.complex64))
    assert abs(np.mean(np.abs(z) ** 2) - 1) < 0.02  # E|z|^2 = 1 as in torch
    u = _np(torchlet.rand(N, dtype=torchlet.complex128))
    assert 0 <= u.real.min() and u.real.max() < 1 and 0 <= u.imag.min() and u.imag.max() < 1


def test_normal_moments():
    x = _np(torchlet.normal(3.0, 2.0, (N,))).astype(np.float64)
    assert abs(x.mean() - 3) < 0.05 and abs(x.std() - 2) < 0.05
    mean = torchlet.tensor(np.tile([-5.0, 5.0], N // 2).astype(np.float32))
    std = torchlet.tensor(np.tile([0.5, 3.0], N // 2).astype(np.float32))
    y = _np(torchlet.normal(mean, std)).reshape(-1, 2)
    np.testing.assert_allclose(y.mean(0), [-5, 5], atol=0.1)
    np.testing.assert_allclose(y.std(0), [0.5, 3.0], rtol=0.03)
    z = _np(torchlet.empty(N).normal_(1.0, 0.5)).astype(np.float64)
    assert abs(z.mean() - 1) < 0.02 and abs(z.std() - 0.5) < 0.02
    w = _np(torchlet.normal(torchlet.zeros(3), 0.0))
    assert np.array_equal(w, np.zeros(3))


def test_uniform_range():
    x = _np(torchlet.empty(N).uniform_(-2, 3)).astype(np.float64)
    assert x.min() >= -2 and x.max() < 3 and abs(x.mean() - 0.5) < 0.05


@pytest.mark.parametrize(
    "low,high,dtype",
    [(0, 10, "int64"), (-5, 5, "int8"), (0, 256, "uint8"), (3, 4, "int32"), (0, 2, "bool"), (-3, 7, "float32")],
)
def test_randint_range(low, high, dtype):
    x = _np(torchlet.randint(low, high, (N,), dtype=getattr(torchlet, dtype))).astype(np.int64)
    assert x.min() == low and x.max() == high - 1
    counts = np.bincount(x - low)
    assert counts.min() > N / (high - low) * 0.8


def test_random_ranges():
    assert set(np.unique(_np(torchlet.empty(N, dtype=torchlet.uint8).random_()))) == set(range(256))
    x = _np(torchlet.empty(N, dtype=torchlet.int8).random_())
    assert x.min() >= 0 and x.max() == 127
    assert set(np.unique(_np(torchlet.empty(1000, dtype=torchlet.bool).random_()))) == {False, True}
    f = _np(torchlet.empty(N).random_()).astype(np.float64)
    assert f.min() >= 0 and f.max() <= 2**24 and np.all(f == np.round(f)) and f.max() > 2**23
    h = _np(torchlet.empty(N, dtype=torchlet.float16).random_()).astype(np.float64)
    assert h.max() <= 2**11
    y = _np(torchlet.empty(N).random_(10))
    assert y.min() == 0 and y.max() == 9
    z = _np(torchlet.empty(N, dtype=torchlet.int64).random_(-3, 3))
    assert z.min() == -3 and z.max() == 2
    big = _np(torchlet.empty(N, dtype=torchlet.int64).random_())
    assert big.min() >= 0 and big.max() > 2**62


def test_randperm_is_permutation():
    for n in (1, 2, 10, 1000):
        p = _np(torchlet.randperm(n))
        assert np.array_equal(np.sort(p), np.arange(n))
    assert not np.array_equal(_np(torchlet.randperm(1000)), np.arange(1000))


def test_bernoulli_rates():
    p = torchlet.tensor(np.tile([0.0, 0.1, 0.5, 0.9, 1.0], N // 5).astype(np.float32))
    x = _np(torchlet.bernoulli(p)).reshape(-1, 5)
    assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(0), [0, 0.1, 0.5, 0.9, 1.0], atol=0.015)
    assert abs(_np(torchlet.bernoulli(torchlet.zeros(N), 0.3)).mean() - 0.3) < 0.01
    assert abs(_np(torchlet.empty(N).bernoulli_(0.7)).mean() - 0.7) < 0.01
    y = _np(torchlet.empty(N // 2, 2).bernoulli_(torchlet.tensor([0.2, 0.8])))
    np.testing.assert_allclose(y.mean(0), [0.2, 0.8], atol=0.015)


def test_multinomial_frequencies():
    probs = torchlet.tensor([1.0, 2.0, 3.0, 0.0, 4.0])
    x = _np(torchlet.multinomial(probs, N, replacement=True))
    freq = np.bincount(x, minlength=5) / N
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.0, 0.4], atol=0.01)
    rows = torchlet.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [1.0, 1.0, 2.0]])
    y = _np(torchlet.multinomial(rows, 20000, True))
    assert np.all(y[0] == 1) and set(np.unique(y[1])) == {0, 2}
    np.testing.assert_allclose(np.bincount(y[2], minlength=3) / 20000, [0.25, 0.25, 0.5], atol=0.015)


def test_multinomial_without_replacement():
    rows = torchlet.ones(500, 6)
    s = _np(torchlet.multinomial(rows, 6))
    assert np.all(np.sort(s, axis=1) == np.arange(6))  # each row a permutation
    # first draw follows the weights; zero-weight categories come last
    w = torchlet.tensor(np.tile([1.0, 0.0, 3.0], (20000, 1)).astype(np.float32))
    d = _np(torchlet.multinomial(w, 2))
    assert np.all(d[:, :2] != 1)
    np.testing.assert_allclose(np.mean(d[:, 0] == 2), 0.75, atol=0.015)


def test_other_distributions():
    e = _np(torchlet.empty(N).exponential_(2.0)).astype(np.float64)
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.01
    g = _np(torchlet.empty(N).geometric_(0.25)).astype(np.float64)
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.1
    ln = _np(torchlet.empty(N, dtype=torchlet.float64).log_normal_(0.0, 0.5))
    assert abs(np.log(ln).mean()) < 0.01 and abs(np.log(ln).std() - 0.5) < 0.01
    c = _np(torchlet.empty(N, dtype=torchlet.float64).cauchy_(1.0, 2.0))
    assert abs(np.median(c) - 1) < 0.05 and abs(np.median(np.abs(c - 1)) - 2) < 0.1
    p = _np(torchlet.poisson(torchlet.full((N,), 3.5)))
    assert np.all(p == np.round(p)) and abs(p.mean() - 3.5) < 0.05 and abs(p.var() - 3.5) < 0.1
