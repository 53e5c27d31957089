"""vmap over each op family against torch.vmap: values, and gradients through the vmap."""

import numpy as np
import pytest

import torchlet
from oracle import assert_same

R = np.random.default_rng(0)

# (id, f(lib) -> the vmapped function, input shapes, in_dims)
CASES = [
    ("sin", lambda m: m.sin, [(4, 3)], 0),
    ("add_bcast", lambda m: lambda a, b: a + b, [(4, 3), (3,)], (0, None)),
    ("add_both", lambda m: lambda a, b: a * b - a / (b.abs() + 1), [(4, 3), (2, 4, 3)], (0, 1)),
    ("scalar_rank", lambda m: lambda a, b: a + b, [(4,), (2, 3)], (0, None)),
    ("where", lambda m: lambda a, b: m.where(a > 0, a, b), [(4, 3), (4, 3)], 0),
    ("clamp", lambda m: lambda a: a.clamp(-0.5, 0.5), [(4, 5)], 0),
    ("relu_gelu", lambda m: lambda a: m.nn.functional.gelu(m.relu(a)), [(4, 5)], 0),
    ("sum_dim", lambda m: lambda a: a.sum(0), [(4, 3, 2)], 1),
    ("sum_all", lambda m: lambda a: a.sum(), [(4, 3, 2)], 0),
    ("mean_keep", lambda m: lambda a: a.mean(-1, keepdim=True), [(4, 3, 2)], 2),
    ("amax", lambda m: lambda a: a.amax(1), [(4, 3, 5)], 0),
    ("max_dim", lambda m: lambda a: a.max(0)[0], [(4, 3, 5)], 0),
    ("var", lambda m: lambda a: a.var(0), [(4, 6, 2)], 0),
    ("logsumexp", lambda m: lambda a: a.logsumexp(-1), [(4, 3, 5)], 0),
    ("softmax", lambda m: lambda a: a.softmax(0), [(4, 3, 5)], 0),
    ("log_softmax", lambda m: lambda a: m.nn.functional.log_softmax(a, dim=-1), [(4, 3, 5)], 0),
    ("cumsum", lambda m: lambda a: a.cumsum(0), [(4, 3)], 0),
    ("matmul_mv", lambda m: lambda a, b: a @ b, [(3, 4), (5, 4)], (None, 0)),
    ("matmul_vm", lambda m: lambda a, b: a @ b, [(5, 4), (4, 3)], (0, None)),
    ("matmul_mm", lambda m: lambda a, b: a @ b, [(5, 2, 4), (5, 4, 3)], 0),
    ("dot", lambda m: m.dot, [(5, 4), (5, 4)], 0),
    ("bmm", lambda m: m.bmm, [(5, 2, 3, 4), (2, 4, 3)], (0, None)),
    ("linear", lambda m: lambda x, w, b: m.nn.functional.linear(x, w, b), [(5, 4), (3, 4), (3,)], (0, None, None)),
    ("linear_w", lambda m: lambda x, w, b: m.nn.functional.linear(x, w, b), [(2, 4), (5, 3, 4), (3,)], (None, 0, None)),
    ("einsum", lambda m: lambda a, b: m.einsum("ij,jk->ik", a, b), [(5, 2, 3), (3, 4)], (0, None)),
    (
        "conv2d",
        lambda m: lambda x, w: m.nn.functional.conv2d(x, w, padding=1),
        [(3, 2, 1, 6, 6), (4, 1, 3, 3)],
        (0, None),
    ),
    (
        "conv2d_w",
        lambda m: lambda x, w: m.nn.functional.conv2d(x, w, stride=2),
        [(2, 5, 7, 7), (3, 4, 5, 3, 3)],
        (None, 0),
    ),
    ("conv2d_both", lambda m: lambda x, w: m.nn.functional.conv2d(x, w), [(3, 1, 6, 5, 5), (3, 2, 6, 3, 3)], 0),
    ("conv1d", lambda m: lambda x, w: m.nn.functional.conv1d(x, w), [(3, 2, 2, 8), (4, 2, 3)], (0, None)),
    ("max_pool2d", lambda m: lambda x: m.nn.functional.max_pool2d(x, 2), [(3, 1, 2, 6, 6)], 0),
    ("avg_pool2d", lambda m: lambda x: m.nn.functional.avg_pool2d(x, 2), [(3, 1, 2, 6, 6)], 0),
    ("reshape_view", lambda m: lambda a: a.reshape(-1).view(2, -1).t(), [(4, 3, 2)], 0),
    ("permute", lambda m: lambda a: a.permute(2, 0, 1).unsqueeze(1).squeeze(1), [(4, 3, 2, 5)], 0),
    ("index", lambda m: lambda a: a[1:, ::2][0], [(4, 3, 5)], 0),
    ("expand", lambda m: lambda a: a.unsqueeze(0).expand(3, -1) * 2, [(4, 5)], 0),
    ("cat_stack", lambda m: lambda a, b: m.stack([m.cat([a, b]), m.cat([b, a])], -1), [(4, 3), (3,)], (0, None)),
    ("flatten", lambda m: lambda a: m.flatten(a, 1), [(4, 2, 3, 2)], 0),
    ("mse", lambda m: lambda a, b: m.nn.functional.mse_loss(a, b), [(4, 3), (4, 3)], 0),
    ("cross_entropy", lambda m: lambda a: m.nn.functional.cross_entropy(a, m.tensor([1, 0])), [(4, 2, 3)], 0),
    ("layer_norm", lambda m: lambda a: m.nn.functional.layer_norm(a, (5,)), [(4, 3, 5)], 0),
    ("inverse_loops", lambda m: lambda a: m.linalg.inv(a + 3 * m.eye(3)), [(4, 3, 3)], 0),
    ("norm", lambda m: lambda a: a.norm(), [(4, 3)], 0),
    ("out_dim_not_front", lambda m: lambda a: a.sin(), [(3, 4, 2)], -1),
]


def _inputs(shapes):
    return [R.standard_normal(s).astype(np.float32) for s in shapes]


LOOPS = {"inverse_loops"}  # the cases whose NumPy calls have no batching rule


@pytest.fixture
def no_loop(monkeypatch):
    """Fails a test whose forward or backward falls back to the per-sample Python loop."""
    from torchlet.func import _batched_array, _batched_namespace

    calls = []

    def spy(fn, args, kwargs, level, orig=_batched_array._loop):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return orig(fn, args, kwargs, level)

    monkeypatch.setattr(_batched_array, "_loop", spy)
    monkeypatch.setattr(_batched_namespace, "_loop", spy)
    return calls


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_vmap_values_and_grads(case, torch, no_loop):
    name, f, shapes, in_dims = case
    arrays = _inputs(shapes)
    xs_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    xs_o = [torchlet.tensor(a, requires_grad=True) for a in arrays]
    out_t = torch.vmap(f(torch), in_dims=in_dims)(*xs_t)
    out_o = torchlet.vmap(f(torchlet), in_dims=in_dims)(*xs_o)
    assert_same(out_o, out_t, rtol=1e-5, atol=1e-5)
    w = R.standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_t * torch.tensor(w)).sum().backward()
    (out_o * torchlet.tensor(w)).sum().backward()
    for xo, xt in zip(xs_o, xs_t):
        assert_same(xo.grad, xt.grad, rtol=1e-4, atol=1e-5, what="grad")
    if name in LOOPS:
        assert no_loop, "expected this case to use the per-sample loop"
    else:
        assert not no_loop, f"batched op families must not loop per sample; looped: {no_loop}"


def test_out_dims_and_nested(torch):
    a = R.standard_normal((2, 3, 4)).astype(np.float32)
    for lib_o, lib_t in ((torchlet, torch),):
        f = lambda m: lambda x: (x.sum(0), x * 2)
        ro = lib_o.vmap(f(lib_o), in_dims=1, out_dims=(0, 1))(lib_o.tensor(a))
        rt = lib_t.vmap(f(lib_t), in_dims=1, out_dims=(0, 1))(lib_t.tensor(a))
        assert_same(ro, rt)
    # nested: an outer product by two vmaps of a dot, and vmap(vmap(sum))
    x, y = R.standard_normal((3, 4)).astype(np.float32), R.standard_normal((5, 4)).astype(np.float32)
    go = torchlet.vmap(torchlet.vmap(torchlet.dot, in_dims=(None, 0)), in_dims=(0, None))
    gt = torch.vmap(torch.vmap(torch.dot, in_dims=(None, 0)), in_dims=(0, None))
    assert_same(go(torchlet.tensor(x), torchlet.tensor(y)), gt(torch.tensor(x), torch.tensor(y)), rtol=1e-5, atol=1e-5)
    mo = torchlet.vmap(torchlet.vmap(lambda v: (v.sin() @ v) * v.sum()), in_dims=1)
    mt = torch.vmap(torch.vmap(lambda v: (v.sin() @ v) * v.sum()), in_dims=1)
    b = R.standard_normal((3, 5, 4)).astype(np.float32)
    assert_same(mo(torchlet.tensor(b)), mt(torch.tensor(b)), rtol=1e-5, atol=1e-5)


def test_chunk_size_and_pytrees(torch):
    d = {"w": R.standard_normal((6, 3)).astype(np.float32), "b": R.standard_normal(6).astype(np.float32)}
    x = R.standard_normal(3).astype(np.float32)
    f = lambda p, v: (p["w"] @ v + p["b"], [p["b"].exp()])
    for cs in (None, 4, 1):
        ro = torchlet.vmap(f, in_dims=({"w": 0, "b": 0}, None), chunk_size=cs)(
            {k: torchlet.tensor(v) for k, v in d.items()}, torchlet.tensor(x)
        )
        rt = torch.vmap(f, in_dims=({"w": 0, "b": 0}, None), chunk_size=cs)(
            {k: torch.tensor(v) for k, v in d.items()}, torch.tensor(x)
        )
        assert_same(ro, rt, rtol=1e-5, atol=1e-6)


def test_unbatched_output_is_expanded_and_none_out_dims(torch):
    x = R.standard_normal((3, 2)).astype(np.float32)
    c = R.standard_normal(2).astype(np.float32)
    ro = torchlet.vmap(lambda a: (torchlet.tensor(c), a), out_dims=(0, 0))(torchlet.tensor(x))
    rt = torch.vmap(lambda a: (torch.tensor(c), a), out_dims=(0, 0))(torch.tensor(x))
    assert_same(ro, rt)
    ro = torchlet.vmap(lambda a: (a, 7), out_dims=(0, None))(torchlet.tensor(x))
    rt = torch.vmap(lambda a: (a, 7), out_dims=(0, None))(torch.tensor(x))
    assert ro[1] == rt[1] == 7
    assert_same(ro[0], rt[0])
