"""Same seed, same numbers: every sampler against PyTorch's CPU output, bit for
bit (values, dtype, and the generator state afterwards), at every size-path
boundary (1, 15, 16, 17, large) and dtype."""

import warnings

import numpy as np
import pytest

import torchlet

pytest.importorskip("torch")


def _bits(t):
    """Exact comparable bytes of a tensor from either library (bfloat16 widened exactly)."""
    name = str(t.dtype).split(".")[-1]
    if hasattr(t, "_data"):
        a = np.asarray(t.detach()._data)
        if name == "bfloat16":
            a = a.astype(np.float32)
    else:
        a = (t.detach().float() if name == "bfloat16" else t.detach()).numpy()
    return name, a.shape, np.ascontiguousarray(a).tobytes()


def _state(m):
    return np.asarray(m.get_rng_state()._data if m is torchlet else m.get_rng_state()).tobytes()


def run_both(fn, torch, seed=0):
    """Run fn(module) after manual_seed(seed) in both libraries; compare exactly."""
    torch.manual_seed(seed)
    theirs = fn(torch)
    torchlet.manual_seed(seed)
    ours = fn(torchlet)
    if not isinstance(theirs, (tuple, list)):
        theirs, ours = (theirs,), (ours,)
    for a, b in zip(ours, theirs):
        oa, ob = _bits(a), _bits(b)
        assert oa[:2] == ob[:2]
        if oa[2] != ob[2]:
            x = np.frombuffer(oa[2], dtype=np.uint8)
            y = np.frombuffer(ob[2], dtype=np.uint8)
            raise AssertionError(f"values differ ({int((x != y).sum())} bytes of {x.size})")
    assert _state(torchlet) == _state(torch), "generator state differs after the call"


SIZES = [1, 15, 16, 17, 1000, 100003]
FLOATS = ["float32", "float64", "float16", "bfloat16"]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_rand(n, dtype, torch):
    run_both(lambda m: m.rand(n, dtype=getattr(m, dtype)), torch)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_randn(n, dtype, torch):
    run_both(lambda m: m.randn(n, dtype=getattr(m, dtype)), torch)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [3, 16, 33, 1001, 40_003])  # the last: chunks of the affine step
def test_normal_mean_std(n, dtype, torch):
    run_both(lambda m: m.empty(n, dtype=getattr(m, dtype)).normal_(0.3, 0.07), torch)
    run_both(lambda m: m.normal(-1.5, 2.5, (n,), dtype=getattr(m, dtype)), torch)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [5, 16, 1000, 150_001])  # the last: three chunks of _cephes.fma32
def test_uniform_bounds(n, dtype, torch):
    run_both(lambda m: m.empty(n, dtype=getattr(m, dtype)).uniform_(-0.3, 0.7), torch)


def test_large_randn_one_million(torch):
    run_both(lambda m: m.randn(1000, 1000), torch, seed=12345)


@pytest.mark.parametrize("threads", [1, 3])
def test_randn_chunks_on_threads_keep_torch_bits(torch, monkeypatch, threads):
    """float32 normals run in chunks (_cephes._CHUNK pairs) spread over get_num_threads()
    threads: with chunks of 256 pairs, 10000 normals are 20 chunks, cut over 3 threads at
    chunk boundaries with a partial chunk at the end; the bits stay PyTorch's, affine too."""
    from torchlet.ops import _cephes

    monkeypatch.setattr(_cephes, "_CHUNK", 256)
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        run_both(lambda m: m.randn(10000), torch, seed=7)
        run_both(lambda m: m.empty(4000).normal_(0.5, 3.0), torch, seed=8)
        run_both(lambda m: m.empty(3000).uniform_(-0.25, 2.0), torch, seed=9)
    finally:
        torchlet.set_num_threads(before)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex(dtype, torch):
    run_both(lambda m: m.randn(20, dtype=getattr(m, dtype)), torch)
    run_both(lambda m: m.rand(7, dtype=getattr(m, dtype)), torch)


CASES = {
    "randint": lambda m: m.randint(0, 10, (50,)),
    "randint_neg": lambda m: m.randint(-7, 3, (4, 5)),
    "randint_2_40": lambda m: m.randint(-5, 2**40, (50,)),
    "randint_2_32": lambda m: m.randint(0, 2**32, (9,)),
    "randint_int32": lambda m: m.randint(-5, 7, (50,), dtype=m.int32),
    "randint_uint8": lambda m: m.randint(0, 256, (50,), dtype=m.uint8),
    "randint_bool": lambda m: m.randint(0, 2, (50,), dtype=m.bool),
    "randint_f32": lambda m: m.randint(-3, 9, (50,), dtype=m.float32),
    "randint_f64_wide": lambda m: m.empty(9, dtype=m.float64).random_(0, 2**33),
    "randint_f16": lambda m: m.randint(0, 100, (20,), dtype=m.float16),
    "randint_below_2_28": lambda m: m.randint(0, 2**28 - 1, (9,)),
    "randint_at_2_28": lambda m: m.randint(0, 2**28, (9,)),
    "randint_int32_wide": lambda m: m.randint(-(2**30) - 3, 2**31 - 7, (9,), dtype=m.int32),
    "randint_f32_2_33": lambda m: m.randint(0, 2**33, (9,), dtype=m.float32),
    "randint_f32_neg": lambda m: m.randint(-(2**30) - 3, 2**31 + 7, (9,), dtype=m.float32),
    "random_f16_from_to": lambda m: m.empty(9, dtype=m.float16).random_(-1000, 3001),
    "random_bf16_from_to": lambda m: m.empty(9, dtype=m.bfloat16).random_(-100000, 2**20 + 5),
    "random_f64_from_none": lambda m: m.empty(9, dtype=m.float64).random_(2**30 + 1, None),
    "random_f64_2_60": lambda m: m.empty(9, dtype=m.float64).random_(0, 2**60 + 3),
    "random_f32_to": lambda m: m.empty(9).random_(2**25 + 1),
    "randint_bf16": lambda m: m.randint(0, 100, (20,), dtype=m.bfloat16),
    "randperm_1": lambda m: m.randperm(1),
    "randperm_2": lambda m: m.randperm(2),
    "randperm_10": lambda m: m.randperm(10),
    "randperm_60000": lambda m: m.randperm(60000),
    "randperm_int32": lambda m: m.randperm(100, dtype=m.int32),
    "randperm_f32": lambda m: m.randperm(100, dtype=m.float32),
    "normal_tf": lambda m: m.normal(m.arange(20.0), 0.5),
    "normal_tf_small": lambda m: m.normal(m.arange(5.0), 0.5),
    "normal_ft": lambda m: m.normal(1.5, m.arange(20.0) / 7),
    "normal_tt": lambda m: m.normal(m.arange(20.0), m.arange(20.0) / 3),
    "normal_tt_f64": lambda m: m.normal(m.arange(20.0, dtype=m.float64), m.ones(20, dtype=m.float64)),
    "bernoulli_t": lambda m: m.bernoulli(m.linspace(0, 1, 50)),
    "bernoulli_t64": lambda m: m.bernoulli(m.linspace(0, 1, 50, dtype=m.float64)),
    "bernoulli_p": lambda m: m.bernoulli(m.zeros(50), 0.3),
    "bernoulli__p": lambda m: m.zeros(50).bernoulli_(0.7),
    "bernoulli__p_int": lambda m: m.zeros(50, dtype=m.int64).bernoulli_(0.4),
    "bernoulli__t": lambda m: m.zeros(5, 3).bernoulli_(m.tensor([0.2, 0.5, 0.9])),
    "multinomial_norep": lambda m: m.multinomial(m.arange(1.0, 11.0), 5),
    "multinomial_one": lambda m: m.multinomial(m.arange(1.0, 11.0).repeat(3, 1), 1),
    "multinomial_rep": lambda m: m.multinomial(m.tensor([[1.0, 2, 3, 4], [4, 0, 1, 1]]), 20, True),
    "multinomial_f64": lambda m: m.multinomial(m.rand(3, 7, dtype=m.float64), 4),
    "poisson": lambda m: m.poisson(m.tensor([0.5, 3.0, 12.0, 40.0, 0.0, 9.99, 10.0])),
    "standard_gamma": lambda m: m._standard_gamma(m.tensor([0.3, 0.5, 1.0, 2.5, 10.0, 0.01, 100.0, 0.0] * 4)),
    "standard_gamma_f64": lambda m: m._standard_gamma(m.tensor([0.3, 1.0, 2.5, 1e-3] * 5, dtype=m.float64)),
    "sample_dirichlet": lambda m: m._sample_dirichlet(m.tensor([[0.5, 1.0, 2.0], [3.0, 0.2, 0.7]] * 4)),
    # rows of at most 4: longer rows sum in PyTorch's vectorised order, which NumPy's differs from
    "sample_dirichlet_f64": lambda m: m._sample_dirichlet(m.rand(5, 4, dtype=m.float64) + 0.1),
    "random_f32": lambda m: m.empty(20).random_(),
    "random_f64": lambda m: m.empty(20, dtype=m.float64).random_(),
    "random_f16": lambda m: m.empty(20, dtype=m.float16).random_(),
    "random_i64": lambda m: m.empty(20, dtype=m.int64).random_(),
    "random_i32": lambda m: m.empty(20, dtype=m.int32).random_(),
    "random_i16": lambda m: m.empty(20, dtype=m.int16).random_(),
    "random_i8": lambda m: m.empty(20, dtype=m.int8).random_(),
    "random_u8": lambda m: m.empty(20, dtype=m.uint8).random_(),
    "random_bool": lambda m: m.empty(20, dtype=m.bool).random_(),
    "random_to": lambda m: m.empty(20, dtype=m.int32).random_(7),
    "random_from_to": lambda m: m.empty(20).random_(-3, 9),
    "random_from_none": lambda m: m.empty(20, dtype=m.int16).random_(-5, None),
    "random_full_range": lambda m: m.empty(5, dtype=m.int64).random_(-(2**63), None),
    "exponential": lambda m: m.empty(30).exponential_(2.5),
    "exponential_f64": lambda m: m.empty(300, dtype=m.float64).exponential_(),
    "exponential_f16": lambda m: m.empty(30, dtype=m.float16).exponential_(),
    "geometric": lambda m: m.empty(30).geometric_(0.3),
    "geometric_i64": lambda m: m.empty(30, dtype=m.int64).geometric_(0.1),
    "log_normal": lambda m: m.empty(31, dtype=m.float64).log_normal_(0.5, 0.3),
    "log_normal_f32": lambda m: m.empty(31).log_normal_(),
    "cauchy": lambda m: m.empty(300, dtype=m.float64).cauchy_(1, 2),
    "cauchy_f32": lambda m: m.empty(30).cauchy_(),
    "rand_like": lambda m: m.rand_like(m.zeros(4, 5)),
    "randn_like": lambda m: m.randn_like(m.zeros(40, dtype=m.float64)),
    "randn_like_transposed": lambda m: m.randn_like(m.zeros(5, 8).t()),
    "randint_like": lambda m: m.randint_like(m.zeros(4), 3, 9),
    "normal_transposed_view": lambda m: m.zeros(6, 5).t().normal_(),
    "normal_transposed_big": lambda m: m.zeros(16, 5).t().normal_(),
    "uniform_transposed_view": lambda m: m.zeros(6, 5).t().uniform_(),
    "normal_strided_view": lambda m: m.zeros(40)[::2].normal_(),
    "mixed_sequence": lambda m: (
        m.randn(3),
        m.rand(2),
        m.randn(5, dtype=m.float64),
        m.randn(3),
        m.randint(0, 5, (3,)),
        m.randn(17),
        m.randperm(5),
        m.randn(1),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sampler_as_torch(name, torch):
    warnings.simplefilter("ignore")  # PyTorch warns about float ranges past 2**24
    run_both(CASES[name], torch)
    run_both(CASES[name], torch, seed=2**40 + 7)


def test_explicit_generators(torch):
    def fn(m):
        g = m.Generator().manual_seed(3)
        h = m.Generator().manual_seed(4)
        out = [
            m.randn(20, generator=g),
            m.rand(5, generator=h),
            m.randn(3, generator=g),
            m.randint(0, 9, (4,), generator=h),
            m.randperm(7, generator=g),
            m.normal(0.0, 1.0, (5,), generator=h),
            m.empty(4).normal_(generator=g),
            m.multinomial(m.ones(6), 3, generator=g),
            m.bernoulli(m.full((6,), 0.5), generator=h),
            m.empty(5).exponential_(generator=h),
            m.rand(3),
        ]
        out.append(m.tensor(list(g.get_state())))
        return out

    run_both(fn, torch)


def test_generator_fresh_state_bytes(torch):
    for seed in (0, 1, 67280421310721, 2**64 - 1):
        a = torchlet.Generator().manual_seed(seed).get_state()
        b = torch.Generator().manual_seed(seed).get_state()
        assert np.asarray(a._data).tobytes() == b.numpy().tobytes()
    assert (
        np.asarray(torchlet.Generator().get_state()._data).tobytes() == torch.Generator().get_state().numpy().tobytes()
    )


@pytest.mark.parametrize("warmup", ["none", "odd_double_normal", "odd_float_normal", "624_words", "twist_boundary"])
def test_state_exchange_both_ways(warmup, torch):
    """A state saved by one library resumes in the other, including the cached normals."""
    warm = {
        "none": lambda m: None,
        "odd_double_normal": lambda m: m.randn(3, dtype=m.float64),
        "odd_float_normal": lambda m: m.randn(5),
        "624_words": lambda m: m.rand(624),
        "twist_boundary": lambda m: m.rand(623),
    }[warmup]
    follow = lambda m: (m.randn(7), m.rand(700), m.randn(5, dtype=m.float64))
    # torch -> torchlet
    torch.manual_seed(11)
    warm(torch)
    st = torch.get_rng_state()
    expected = follow(torch)
    torchlet.set_rng_state(torchlet.tensor(st.numpy()))
    assert _state(torchlet) == st.numpy().tobytes()
    for a, b in zip(follow(torchlet), expected):
        assert _bits(a) == _bits(b)
    # torchlet -> torch
    torchlet.manual_seed(12)
    warm(torchlet)
    st2 = torchlet.get_rng_state()
    mine = follow(torchlet)
    torch.set_rng_state(torch.from_numpy(np.asarray(st2._data).copy()))
    for a, b in zip(mine, follow(torch)):
        assert _bits(a) == _bits(b)
    # and a Generator's own state
    g = torchlet.Generator().manual_seed(5)
    torchlet.randn(3, generator=g)
    tg = torch.Generator()
    tg.set_state(torch.from_numpy(np.asarray(g.get_state()._data).copy()))
    assert _bits(torchlet.randn(9, generator=g)) == _bits(torch.randn(9, generator=tg))


def test_fork_rng_restores_cached_normal(torch):
    def fn(m):
        m.manual_seed(0)
        m.randn(1, dtype=m.float64)  # leaves a cached double normal
        with m.random.fork_rng():
            m.randn(5, dtype=m.float64)
        return m.randn(3, dtype=m.float64)

    run_both(fn, torch)


def test_benchmark_workloads_draw_as_torch(torch):
    """The bench suite's `random` group times these calls; they draw PyTorch's numbers."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    from suite import workloads as w

    for name in w.RANDOM:
        a = w.random_call(torch, name)()
        b = w.random_call(torchlet, name)()
        assert _bits(a) == _bits(b), name


def test_fma_emulation_rounds_once():
    """normal_'s float32 FMA is emulated in float64; where float64 rounds the exact sum to
    a float32 halfway point, the result must still be the single rounding of the exact
    value: (1 + 2**-23) * 2**-24 (1 - 2**-23) + (1 + 2**-23) lies just below such a point."""
    from fractions import Fraction
    from torchlet.ops._cephes import fma32

    a, b, c = np.float32(1 + 2**-23), np.float32(2**-24 * (1 - 2**-23)), np.float32(1 + 2**-23)
    naive = np.float32(np.float64(a) * np.float64(b) + np.float64(c))
    got = fma32(np.array([a, a, 3]), np.array([b, -b, 5]), np.array([c, -c, 0.5]))
    exact = [Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)), None, Fraction(31, 2)]
    assert got[0] == np.float32(1 + 2**-23) != naive  # rounded once, toward the exact value
    assert got[1] == -got[0] and got[2] == np.float32(float(exact[2]))


@pytest.mark.parametrize("threads", [1, 2])
def test_fma_emulation_rounds_once_in_chunks(monkeypatch, threads):
    """The chunked form (a float32 array, number b and c: uniform_'s and normal_'s) rounds the
    same halfway points once, in every chunk and on every thread; other elements as a
    float64 product-sum rounded to float32."""
    from torchlet.ops import _cephes

    monkeypatch.setattr(_cephes, "_CHUNK", 256)
    a, b, c = np.float32(1 + 2**-23), np.float32(2**-24 * (1 - 2**-23)), np.float32(1 + 2**-23)
    x = np.random.default_rng(0).random(1000, dtype=np.float32)
    ties = [0, 255, 256, 511, 700, 999]  # chunk edges included
    x[ties] = a
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        got = _cephes.fma32(x, b, c)
        inplace = x.copy()
        _cephes.fma32(inplace, b, c, out=inplace)
    finally:
        torchlet.set_num_threads(before)
    want = (x.astype(np.float64) * np.float64(b) + np.float64(c)).astype(np.float32)
    want[ties] = np.float32(1 + 2**-23)  # not the float64 sum's rounding
    assert (want[ties] != (np.float64(a) * np.float64(b) + np.float64(c)).astype(np.float32)).all()
    assert got.tobytes() == want.tobytes() == inplace.tobytes()
