"""Ops on the fake device (torchlet.testing._fake_backend) compute only through the namespace.

Each case runs forward and backward on cpu and on device "privateuseone", whose arrays raise
when they meet a plain ndarray; values and gradients must match the cpu run (itself checked
against PyTorch elsewhere, and here against torch directly), and every result and gradient
must stay on the fake device.
"""

import numpy as np
import pytest
import torch as T

import torchlet as torch
from torchlet.testing import _fake_backend

_fake_backend.install()
DEV = _fake_backend.DEVICE


def _inputs(shapes, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _run(fn, arrays, device, lib):
    ts = []
    for a in arrays:
        t = lib.tensor(a)
        if device is not None:
            t = t.to(device)
        ts.append(t.detach().requires_grad_(True) if a.dtype.kind == "f" else t)
    if device is None:
        out = fn(lib, *ts)
    else:
        with _fake_backend.count_transfers() as copies:
            out = fn(lib, *ts)
            loss = out.float().sum() if out.dtype.is_floating_point else None
            if loss is not None and loss.requires_grad:
                loss.backward()
        assert copies == [], f"host-built arrays copied to the device: {copies}"
        return out, [t.grad for t in ts]
    loss = out.float().sum() if out.dtype.is_floating_point else None
    if loss is not None and loss.requires_grad:
        loss.backward()
    return out, [t.grad for t in ts]


def _check_device(t):
    assert t.device.type == DEV, f"result left the fake device: {t.device}"
    assert isinstance(t._data, _fake_backend.FakeArray), type(t._data)


def _host(t):
    return t.detach().cpu().numpy()


def check(fn, shapes, ints=(), seed=0, atol=1e-5):
    arrays = _inputs(shapes, seed) + [np.asarray(i) for i in ints]
    ref, ref_g = _run(fn, arrays, None, T)
    out, grads = _run(fn, arrays, DEV, torch)
    _check_device(out)
    np.testing.assert_allclose(_host(out), ref.detach().numpy(), rtol=1e-4, atol=atol)
    for g, rg in zip(grads, ref_g):
        if rg is None:
            continue
        assert g is not None
        _check_device(g)
        np.testing.assert_allclose(_host(g), rg.numpy(), rtol=1e-4, atol=atol)


CASES = {
    # pointwise
    "add_mul": (lambda L, a, b: a * b + a - b / 2, [(3, 4), (3, 4)]),
    "broadcast": (lambda L, a, b: a * b, [(3, 4), (4,)]),
    "exp_log": (lambda L, a: (a.exp() + 1).log(), [(5,)]),
    "tanh_sigmoid": (lambda L, a: a.tanh() * L.sigmoid(a), [(2, 3)]),
    "pow_sqrt": (lambda L, a: (a * a + 1).sqrt() ** 1.5, [(6,)]),
    "relu_gelu": (lambda L, a: L.nn.functional.relu(a) + L.nn.functional.gelu(a), [(4, 5)]),
    "clamp_abs": (lambda L, a: a.clamp(-0.5, 0.5) + a.abs(), [(7,)]),
    "where": (lambda L, a, b: L.where(a > 0, a, b), [(3, 3), (3, 3)]),
    # reductions
    "sum_mean": (lambda L, a: a.sum(1) + a.mean(1), [(3, 4)]),
    "max_dim": (lambda L, a: a.max(dim=1).values, [(3, 4)]),
    "amax_min": (lambda L, a: a.amax(0) - a.min(), [(3, 4)]),
    "var_std": (lambda L, a: a.var(1) + a.std(0).sum(), [(4, 5)]),
    "logsumexp": (lambda L, a: a.logsumexp(1), [(3, 6)]),
    "norm": (lambda L, a: a.norm(dim=1), [(3, 4)]),
    "cumsum": (lambda L, a: a.cumsum(1), [(3, 4)]),
    # matmul
    "matmul": (lambda L, a, b: a @ b, [(3, 4), (4, 5)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    "linear": (lambda L, x, w, b: L.nn.functional.linear(x, w, b), [(3, 4), (5, 4), (5,)]),
    # indexing
    "getitem": (lambda L, a: a[1:, ::2] * 2, [(4, 6)]),
    "index_tensor": (lambda L, a, i: a[i], [(5, 3)], [[0, 2, 2, 4]]),
    "gather": (lambda L, a, i: a.gather(1, i), [(3, 4)], [[[0, 1], [3, 3], [2, 0]]]),
    "index_select": (lambda L, a, i: a.index_select(0, i), [(5, 3)], [[4, 0]]),
    "masked_fill": (lambda L, a: a.masked_fill(a > 0, 0.0), [(3, 4)]),
    # views and joining
    "view_permute": (lambda L, a: a.view(4, 3).t().permute(1, 0).reshape(-1), [(3, 4)]),
    "transpose_contig": (lambda L, a: a.transpose(0, 1).contiguous() * 1, [(3, 4)]),
    "cat_stack": (lambda L, a, b: L.cat([a, b], 0) + L.stack([a, b]).sum(0).repeat(2, 1), [(2, 3), (2, 3)]),
    "expand_unsqueeze": (lambda L, a: a.unsqueeze(0).expand(3, 4) * 1, [(4,)]),
    "diagonal": (lambda L, a: a.diagonal() * 1, [(4, 4)]),
    "flip_roll": (lambda L, a: a.flip(0).roll(1, 1), [(3, 4)]),
    # conv, pooling
    "conv2d": (lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, padding=1), [(2, 3, 6, 6), (4, 3, 3, 3), (4,)]),
    "conv2d_stride": (lambda L, x, w: L.nn.functional.conv2d(x, w, stride=2), [(1, 2, 7, 7), (3, 2, 3, 3)]),
    "conv2d_chwn": (
        lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, padding=1),  # _conv_chwn path
        [(3, 6, 7, 7), (5, 6, 3, 3), (5,)],
    ),
    "conv1d": (lambda L, x, w: L.nn.functional.conv1d(x, w), [(2, 3, 8), (4, 3, 3)]),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2), [(2, 3, 6, 6)]),
    "avg_pool2d": (lambda L, x: L.nn.functional.avg_pool2d(x, 2), [(2, 3, 6, 6)]),
    "adaptive_avg": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 1), [(2, 3, 5, 5)]),
    # losses, softmax
    "softmax": (lambda L, a: L.softmax(a, 1), [(3, 5)]),
    "log_softmax": (lambda L, a: L.nn.functional.log_softmax(a, 1), [(3, 5)]),
    "cross_entropy": (lambda L, a, y: L.nn.functional.cross_entropy(a, y), [(4, 5)], [[0, 3, 4, 1]]),
    "nll_loss": (lambda L, a, y: L.nn.functional.nll_loss(a, y), [(4, 5)], [[0, 3, 4, 1]]),
    "mse": (lambda L, a, b: L.nn.functional.mse_loss(a, b), [(3, 4), (3, 4)]),
    "bce_logits": (lambda L, a, b: L.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid()), [(3, 4), (3, 4)]),
    "layer_norm": (lambda L, a: L.nn.functional.layer_norm(a, (4,)), [(3, 4)]),
    # more nn.functional
    "interp_nearest": (lambda L, x: L.nn.functional.interpolate(x, scale_factor=2), [(1, 2, 3, 3)]),
    "interp_bilinear": (lambda L, x: L.nn.functional.interpolate(x, size=(5, 4), mode="bilinear"), [(1, 2, 3, 3)]),
    "interp_nearest_exact": (
        lambda L, x: L.nn.functional.interpolate(x, size=(5, 2), mode="nearest-exact"),
        [(1, 2, 3, 3)],
    ),
    "interp_same_size": (lambda L, x: L.nn.functional.interpolate(x, size=(3, 5), mode="bilinear"), [(1, 2, 3, 3)]),
    "interp_linear_ac": (
        lambda L, x: L.nn.functional.interpolate(x, size=7, mode="linear", align_corners=True),
        [(1, 2, 4)],
    ),
    "interp_trilinear": (
        lambda L, x: L.nn.functional.interpolate(x, scale_factor=1.5, mode="trilinear"),
        [(1, 1, 2, 3, 2)],
    ),
    "interp_bicubic": (lambda L, x: L.nn.functional.interpolate(x, size=(5, 7), mode="bicubic"), [(1, 2, 3, 4)]),
    "interp_bilinear_aa": (
        lambda L, x: L.nn.functional.interpolate(x, size=(3, 2), mode="bilinear", antialias=True),
        [(1, 2, 7, 5)],
    ),
    "interp_bicubic_aa": (
        lambda L, x: L.nn.functional.interpolate(x, size=(2, 3), mode="bicubic", antialias=True),
        [(1, 1, 6, 8)],
    ),
    "interp_area": (lambda L, x: L.nn.functional.interpolate(x, size=(2, 3), mode="area"), [(1, 2, 5, 7)]),
    "avg_pool_ceil": (lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 7)]),
    "avg_pool_divisor": (lambda L, x: L.nn.functional.avg_pool2d(x, 2, 1, divisor_override=3), [(1, 2, 4, 4)]),
    "avg_pool3d": (lambda L, x: L.nn.functional.avg_pool3d(x, 2, 1, 1, count_include_pad=False), [(1, 1, 3, 4, 3)]),
    "avg_pool1d": (lambda L, x: L.nn.functional.avg_pool1d(x, 3, 2, 1), [(2, 3, 7)]),
    "adaptive_avg1d": (lambda L, x: L.nn.functional.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    "avg_pool_pad": (lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 6, 6)]),
    "adaptive_max": (lambda L, x: L.nn.functional.adaptive_max_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "adaptive_avg_uneven": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "conv_transpose2d": (
        lambda L, x, w: L.nn.functional.conv_transpose2d(x, w, stride=2),
        [(1, 2, 4, 4), (2, 3, 3, 3)],
    ),
    "pad": (lambda L, x: L.nn.functional.pad(x, (1, 2)), [(2, 3)]),
    "unfold": (lambda L, x: L.nn.functional.unfold(x, 2), [(1, 2, 4, 4)]),
    "embedding": (lambda L, w, i: L.nn.functional.embedding(i, w), [(6, 3)], [[[0, 5], [2, 2]]]),
    "repeat_interleave": (lambda L, a: a.repeat_interleave(2, dim=0), [(3, 2)]),
    "clamp_tensor": (lambda L, a, lo: a.clamp(min=lo), [(3, 4), (4,)]),
    "setitem": (lambda L, a, b: _setitem(a, b), [(4, 3), (2, 3)]),
    "inverse": (lambda L, a: L.linalg.inv(a + 4 * L.eye(3, device=a.device)), [(3, 3)]),
    "sort_topk": (lambda L, a: a.sort(1).values + a.topk(4, 1).values, [(3, 4)]),
    "cumprod": (lambda L, a: a.cumprod(1), [(3, 4)]),
    "tril_triu": (lambda L, a: a.tril() + a.triu(1) * 2, [(4, 4)]),
    "einsum": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)]),
    "scatter_add": (lambda L, a, s, i: a.scatter_add(0, i, s), [(3, 4), (2, 4)], [[[0, 1, 2, 0], [2, 2, 1, 0]]]),
    "index_add": (lambda L, a, s, i: a.index_add(0, i, s), [(3, 4), (2, 4)], [[2, 0]]),
    "index_copy": (lambda L, a, v, i: a.index_copy(0, i, v), [(4, 3), (2, 3)], [[3, 1]]),
    "take_along_dim": (lambda L, a, i: L.take_along_dim(a, i, 1), [(3, 4)], [[[0, 3], [1, 1], [2, 0]]]),
    "smooth_l1": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b), [(3, 4), (3, 4)]),
    "kl_div": (
        lambda L, a, b: L.nn.functional.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"),
        [(3, 4), (3, 4)],
    ),
    "group_norm": (lambda L, x: L.nn.functional.group_norm(x, 2), [(2, 4, 3)]),
    "batch_norm_eval": (
        lambda L, x, m, v: L.nn.functional.batch_norm(x, m.detach(), v.detach().abs() + 1),
        [(4, 3), (3,), (3,)],
    ),
    "sdpa_causal": (
        lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        [(1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)],
    ),
    "embedding_bag_mean": (
        lambda L, w, i, o: L.nn.functional.embedding_bag(i, w, o, mode="mean"),
        [(5, 3)],
        [[0, 2, 1, 4], [0, 1]],
    ),
    "int8_wraps_scalar": (lambda L, i: i.to(L.int8) + 300, [], [[1, 2]]),
    "masked_fill_int": (lambda L, i: i.masked_fill(i > 1, 7), [], [[1, 2, 3]]),
    "scalar_first": (
        lambda L, a: (
            2.0 - a + 3.0 / (a.abs() + 1) + 2.0**a + 5.0 % (a.detach().abs() + 1) + 3 // (a.detach().abs() + 1)
        ),
        [(4,)],
    ),
    "repeat_interleave_t": (
        lambda L, a, r: a.repeat_interleave(r, dim=0) * 1 + L.repeat_interleave(r).sum(),
        [(3, 2)],
        [[1, 0, 2]],
    ),
    "argmax_0d": (lambda L, a: a.sum().argmax(), [(3,)]),
    "max_0d": (lambda L, a: a.sum().max(0).values, [(3,)]),
    "empty_index": (lambda L, a, i: a[i], [(3, 4)], [np.zeros(0, np.int64)]),
    "linalg_cross": (lambda L, a, b: L.linalg.cross(a, b), [(2, 3), (2, 3)]),
    "inv_ex_info": (lambda L, a: L.linalg.inv_ex(a)[1], [(2, 3, 3)]),
    "matrix_rank": (lambda L, a: L.linalg.matrix_rank(a), [(3, 4)]),
}


def _setitem(a, b):
    c = a * 1
    c[1:3] = b
    return c


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_fake_device(name):
    case = CASES[name]
    fn, shapes = case[0], case[1]
    ints = case[2] if len(case) > 2 else ()
    check(fn, shapes, ints=[np.asarray(i, dtype=np.int64) for i in ints])


# name -> (op, host -> device copies: the generator draws on the host, one copy per draw)
RANDOM = {
    "bernoulli": (lambda L, p: L.bernoulli(p), 1),
    "multinomial": (lambda L, p: L.multinomial(p, 3), 1),
    "dropout": (lambda L, p: L.nn.functional.dropout(p, 0.5, training=True), 1),
    "dropout_strided": (lambda L, p: L.nn.functional.dropout(p.t(), 0.5, training=True), 1),
    "dropout2d": (lambda L, p: L.nn.functional.dropout2d(p[None, :, :, None], 0.5, training=True), 1),
    "alpha_dropout": (lambda L, p: L.nn.functional.alpha_dropout(p, 0.3, training=True), 1),
    "rrelu": (lambda L, p: L.nn.functional.rrelu(p - 0.5, training=True), 1),
    "rand_like": (lambda L, p: L.rand_like(p) + L.randn_like(p), 2),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_op_on_fake_device(name):
    """Same seed, same numbers as torch's cpu generator, result on the fake device; the only
    host -> device copies are the generator's draws (masks, offsets and scales are built there)."""
    fn, n_copies = RANDOM[name]
    p = np.random.default_rng(3).uniform(0.1, 1, (4, 5)).astype(np.float32)
    T.manual_seed(7)
    ref = fn(T, T.tensor(p))
    torch.manual_seed(7)
    x = torch.tensor(p).to(DEV)
    with _fake_backend.count_transfers() as copies:
        out = fn(torch, x)
    assert len(copies) <= n_copies, copies
    _check_device(out)
    np.testing.assert_allclose(_host(out), ref.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_uint8_resize_on_fake_device(mode, antialias):
    """uint8 resizing (Pillow's fixed-point weights) builds its weights on the device."""
    x = np.random.default_rng(5).integers(0, 256, (1, 2, 7, 6)).astype(np.uint8)
    ref = T.nn.functional.interpolate(T.tensor(x), size=(4, 9), mode=mode, antialias=antialias)
    xf = torch.tensor(x).to(DEV)
    with _fake_backend.count_transfers() as copies:
        out = torch.nn.functional.interpolate(xf, size=(4, 9), mode=mode, antialias=antialias)
    assert copies == []
    _check_device(out)
    np.testing.assert_array_equal(_host(out), ref.numpy())


def test_tensor_of_a_fake_tensor_stays_there():
    """torch.tensor(t) copies t on t's device (no round trip through the host)."""
    a = torch.arange(6.0).to(DEV)
    with _fake_backend.count_transfers() as copies, pytest.warns(UserWarning):
        b = torch.tensor(a, dtype=torch.float64)
    assert copies == []
    _check_device(b)
    assert b.dtype == torch.float64 and b.tolist() == list(range(6))
    with pytest.warns(UserWarning):
        assert torch.tensor(a, device="cpu").device.type == "cpu"
    with pytest.warns(UserWarning):
        r = torch.range(0, 2, 0.5, device=DEV)
    _check_device(r)
    assert r.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_creation_on_fake_device():
    for t in (
        torch.zeros(2, 3, device=DEV),
        torch.arange(5, device=DEV),
        torch.eye(3, device=DEV),
        torch.full((2,), 1.5, device=DEV),
        torch.tensor([1, 2], device=DEV),
        torch.linspace(0, 1, 4, device=DEV),
        torch.rand(3, device=DEV),
    ):
        _check_device(t)


def test_singular_errors_on_fake_device():
    """The error paths read the matrix on the host explicitly: PyTorch's error class and text."""
    a = [[1.0, 2.0], [2.0, 4.0]]
    for fn in (lambda L, m: L.linalg.inv(m), lambda L, m: L.linalg.cholesky(m)):
        with pytest.raises(T.linalg.LinAlgError) as ref:
            fn(T, T.tensor(a))
        with pytest.raises(torch.linalg.LinAlgError) as ours:
            fn(torch, torch.tensor(a).to(DEV))
        assert type(ours.value).__name__ == type(ref.value).__name__
        assert str(ours.value) == str(ref.value)


def test_to_sparse_on_fake_device():
    a = np.array([[0.0, 1.5], [2.0, 0.0]], np.float32)
    s = torch.tensor(a).to(DEV).to_sparse()
    r = T.tensor(a).to_sparse()
    assert isinstance(s._values()._data, _fake_backend.FakeArray)
    np.testing.assert_array_equal(_host(s._indices()), r._indices().numpy())
    np.testing.assert_array_equal(_host(s.to_dense()), a)


def test_mixing_with_plain_ndarray_raises():
    """The backend really refuses a plain ndarray (what CuPy does with a NumPy array)."""
    a = torch.ones(3).to(DEV)
    with pytest.raises(_fake_backend.BackendLeak):
        a._data[...] = np.ones(3)
    with pytest.raises(_fake_backend.BackendLeak):
        a._data + np.ones(3)
    with pytest.raises(_fake_backend.BackendLeak):
        np.concatenate([a._data, np.ones(3)])


def test_device_round_trip_copies():
    a = torch.arange(4.0)
    b = a.to(DEV)
    assert str(b.device) == "privateuseone:0"
    b.add_(1)
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0]
    c = b.cpu()
    assert c.device.type == "cpu" and type(c._data) is np.ndarray
    assert c.tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(TypeError):
        b.numpy()


NORMAL = {
    "randn 1000 (Box-Muller blocks)": lambda L, dev: L.randn(1000, device=dev),
    "randn 7 (serial path)": lambda L, dev: L.randn(7, device=dev),
    "randn 2x17 float16": lambda L, dev: L.randn(2, 17, dtype=L.float16, device=dev),
    "normal_ 37x40 mean 1.5 std 2": lambda L, dev: L.empty(37, 40, device=dev).normal_(1.5, 2.0),
    "normal_ float64 100": lambda L, dev: L.empty(100, dtype=L.float64, device=dev).normal_(),
    "normal(mean tensor, 1)": lambda L, dev: L.normal(L.zeros(300, device=dev), 1.0),
}


@pytest.mark.parametrize("name", sorted(NORMAL))
def test_normal_on_fake_device_draws_cpu_values(name):
    """randn / normal_ on the fake device: the cpu generator's values bit for bit (the float32
    Box-Muller of ops/_cephes.py included), and the result on the fake device."""
    torch.manual_seed(11)
    cpu = NORMAL[name](torch, None)
    torch.manual_seed(11)
    out = NORMAL[name](torch, DEV)
    _check_device(out)
    assert out.dtype == cpu.dtype and out.shape == cpu.shape
    a, b = _host(out), np.asarray(cpu._data)
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8))
    T.manual_seed(11)
    ref = NORMAL[name](T, None)  # and both are PyTorch's
    assert np.array_equal(b.view(np.uint8), ref.numpy().view(np.uint8))


def _table_ops():
    from torchlet.ops import _table

    return sorted(name for name, op in _table.ops().items() if op.dtype_rule and op.function)


@pytest.mark.parametrize("name", _table_ops())
def test_table_op_on_fake_device(name):
    """Every op of the table with a dtype rule (the elementwise, comparison, logical, argmax
    families) on float, int and bool inputs: the cpu values, on the fake device, no host copies."""
    fn = getattr(torch, name)
    for vals, dt in (([0.25, 0.75, 0.5], torch.float32), ([1, 2, 3], torch.int64), ([True, False, True], torch.bool)):
        cpu = [torch.tensor(vals, dtype=dt), torch.tensor(vals[::-1], dtype=dt)]
        try:
            ref = fn(*cpu[:1])
            n = 1
        except TypeError:
            try:
                ref = fn(*cpu)
            except (RuntimeError, TypeError, NotImplementedError):
                continue
            n = 2
        except (RuntimeError, NotImplementedError):
            continue
        fake = [t.to(DEV) for t in cpu[:n]]
        with _fake_backend.count_transfers() as copies:
            out = fn(*fake)
        assert copies == [], copies
        _check_device(out)
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(_host(out), ref.numpy())
