"""The torch.func tutorials on torchlet, against PyTorch: per-sample gradients of a small CNN and
an MLP (vmap over grad over functional_call), model ensembling (stack_module_state +
functional_call under vmap), and the vmap error classes."""

import copy

import numpy as np
import pytest

import torchlet
from oracle import assert_same, from_torch


def _cnn(m):
    nn, F = m.nn, m.nn.functional

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3, 1)
            self.conv2 = nn.Conv2d(6, 8, 3, 1)
            self.fc1 = nn.Linear(8 * 4 * 4, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = m.flatten(x, 1)
            x = F.relu(self.fc1(x))
            return F.log_softmax(self.fc2(x), dim=1)

    return SimpleCNN()


def _mlp(m):
    return m.nn.Sequential(m.nn.Linear(5, 8), m.nn.Tanh(), m.nn.Linear(8, 3))


def _pair(torch, make):
    torch.manual_seed(0)
    mt = make(torch)
    mo = make(torchlet)
    mo.load_state_dict({k: from_torch(v) for k, v in mt.state_dict().items()})
    return mo, mt


def _per_sample_grads(m, model, x, y, loss):
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch, targets = sample.unsqueeze(0), target.unsqueeze(0)
        predictions = m.func.functional_call(model, (params, buffers), (batch,))
        return loss(m)(predictions, targets)

    return m.func.vmap(m.func.grad(compute_loss), in_dims=(None, None, 0, 0))(params, buffers, x, y)


@pytest.fixture
def no_loop(monkeypatch):
    from torchlet.func import _batched_array, _batched_namespace

    calls = []

    def spy(fn, args, kwargs, level, orig=_batched_array._loop):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return orig(fn, args, kwargs, level)

    monkeypatch.setattr(_batched_array, "_loop", spy)
    monkeypatch.setattr(_batched_namespace, "_loop", spy)
    return calls


@pytest.mark.parametrize("kind", ["cnn", "mlp"])
def test_per_sample_gradients(kind, torch, no_loop):
    rng = np.random.default_rng(0)
    if kind == "cnn":
        mo, mt = _pair(torch, _cnn)
        x = rng.standard_normal((5, 1, 12, 12)).astype(np.float32)
        y = rng.integers(0, 10, 5)
        loss = lambda m: m.nn.functional.nll_loss
    else:
        mo, mt = _pair(torch, _mlp)
        x = rng.standard_normal((6, 5)).astype(np.float32)
        y = rng.standard_normal((6, 3)).astype(np.float32)
        loss = lambda m: m.nn.functional.mse_loss
    go = _per_sample_grads(torchlet, mo, torchlet.tensor(x), torchlet.tensor(y), loss)
    assert not no_loop, f"per-sample gradients must run batched; looped: {no_loop}"
    gt = _per_sample_grads(torch, mt, torch.tensor(x), torch.tensor(y), loss)
    assert set(go) == set(gt)
    for k in gt:
        assert_same(go[k], gt[k], rtol=1e-4, atol=1e-6, what=k)
    # each per-sample gradient is the gradient of that sample's loss alone
    mo.zero_grad()
    out = mo(torchlet.tensor(x[1:2]))
    loss(torchlet)(out, torchlet.tensor(y[1:2])).backward()
    for k, p in mo.named_parameters():
        assert_same(go[k][1], to_t(torch, p.grad), rtol=1e-4, atol=1e-6)


def to_t(torch, t):
    return torch.tensor(t.detach().numpy())


def test_model_ensembling(torch, no_loop):
    rng = np.random.default_rng(1)
    pairs = [_pair(torch, _mlp) for _ in range(3)]
    for i, (mo, mt) in enumerate(pairs):  # distinct weights per model
        with torch.no_grad():
            for p in mt.parameters():
                p.add_(float(i))
        mo.load_state_dict({k: from_torch(v) for k, v in mt.state_dict().items()})
    x = rng.standard_normal((4, 5)).astype(np.float32)
    xs = rng.standard_normal((3, 4, 5)).astype(np.float32)

    def ensemble(m, models, data, in_dims):
        params, buffers = m.func.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta") if m is not torchlet else copy.deepcopy(models[0])

        def fmodel(params, buffers, x):
            return m.func.functional_call(base, (params, buffers), (x,))

        return params, m.func.vmap(fmodel, in_dims=in_dims)(params, buffers, data)

    for data_o, data_t, dims in (
        (torchlet.tensor(x), torch.tensor(x), (0, 0, None)),
        (torchlet.tensor(xs), torch.tensor(xs), (0, 0, 0)),
    ):
        po, ro = ensemble(torchlet, [p[0] for p in pairs], data_o, dims)
        pt, rt = ensemble(torch, [p[1] for p in pairs], data_t, dims)
        assert_same(ro, rt, rtol=1e-5, atol=1e-6)
        for k in pt:
            assert_same(po[k], pt[k])
            assert po[k].requires_grad == pt[k].requires_grad and po[k].is_leaf
        ro.sum().backward()
        assert not no_loop, f"ensembling must run batched; looped: {no_loop}"
        rt.sum().backward()
        for k in pt:
            assert_same(po[k].grad, pt[k].grad, rtol=1e-5, atol=1e-5, what=k)


VMAP_ERRORS = [
    ("in_dim_range", lambda m, x: m.vmap(m.sin, in_dims=2)(x)),
    ("in_dims_list", lambda m, x: m.vmap(m.sin, in_dims=[0])(x)),
    ("in_dims_none", lambda m, x: m.vmap(m.sin, in_dims=None)(x)),
    ("in_dims_structure", lambda m, x: m.vmap(m.add, in_dims=(0,))(x, x)),
    ("non_tensor_in_dim", lambda m, x: m.vmap(m.add, in_dims=(0, 0))(x, 1)),
    ("sizes_differ", lambda m, x: m.vmap(m.add)(x, x[:2])),
    ("out_dim_range", lambda m, x: m.vmap(m.sin, out_dims=3)(x)),
    ("out_dims_structure", lambda m, x: m.vmap(m.sin, out_dims=(0, 1))(x)),
    ("non_tensor_output", lambda m, x: m.vmap(lambda a: 1)(x)),
    ("batched_with_none", lambda m, x: m.vmap(lambda a: a, out_dims=None)(x)),
    ("randomness", lambda m, x: m.vmap(m.sin, randomness="x")(x)),
    ("chunk_size", lambda m, x: m.vmap(m.sin, chunk_size=0)(x)),
    ("item", lambda m, x: m.vmap(lambda a: a.sum().item())(x)),
    ("zero_dim", lambda m, x: m.vmap(m.sin)(x[0, 0])),
]


@pytest.mark.parametrize("case", VMAP_ERRORS, ids=[c[0] for c in VMAP_ERRORS])
def test_vmap_errors(case, torch):
    name, call = case
    x = np.ones((3, 4), np.float32)
    with pytest.raises(Exception) as et:
        call(torch, torch.tensor(x))
    with pytest.raises(Exception) as eo:
        call(torchlet, torchlet.tensor(x))
    assert type(eo.value) is type(et.value), (eo.value, et.value)
    if name not in ("item", "in_dims_structure", "out_dims_structure"):
        assert str(eo.value) == str(et.value)


def test_vmap_alias_and_exports():
    assert torchlet.vmap is torchlet.func.vmap
    for n in (
        "grad",
        "grad_and_value",
        "vjp",
        "jvp",
        "jacrev",
        "jacfwd",
        "hessian",
        "vmap",
        "functional_call",
        "stack_module_state",
    ):
        assert callable(getattr(torchlet.func, n))


def test_vmap_randomness(torch):
    res = []
    for m in (torchlet, torch):
        m.manual_seed(0)
        f = lambda a: m.nn.functional.dropout(a, 0.5) + m.rand(3)
        res.append(m.vmap(f, randomness="same")(m.ones(2, 3)))
        with pytest.raises(RuntimeError) as e:
            m.vmap(f)(m.ones(2, 3))
        res.append(str(e.value))
    assert_same(res[0], res[2])
    assert res[1] == res[3]
    torchlet.manual_seed(0)
    d = torchlet.vmap(lambda a: a + torchlet.rand(50), randomness="different")(torchlet.zeros(3, 50))
    assert not (d[0] == d[1]).all() and not (d[1] == d[2]).all()


def test_printing_inside_vmap(torch):
    out = {}
    for m in (torchlet, torch):
        seen = []
        x = m.arange(6.0).reshape(2, 3)
        m.vmap(lambda v: seen.append(repr(v)) or v)(x)
        m.vmap(m.vmap(lambda v: seen.append(str(v)) or v))(x)
        m.vmap(lambda v: seen.append(repr(v * 2)) or v)(m.arange(6.0, requires_grad=True).reshape(3, 2))
        out[m] = seen
    assert out[torchlet] == out[torch]


# The neural tangent kernel tutorial: vmap(jacrev) + einsum contraction, and nested vmaps of
# vjp then jvp (NTK-vector products); seeded, so both libraries draw the same net and inputs.
def _ntk(m):
    nn = m.nn
    m.manual_seed(0)

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, (3, 3))
            self.conv2 = nn.Conv2d(8, 8, (3, 3))
            self.conv3 = nn.Conv2d(8, 8, (3, 3))
            self.fc = nn.Linear(8, 10)

        def forward(self, x):
            x = self.conv1(x).relu()
            x = self.conv2(x).relu()
            x = self.conv3(x)
            x = x.mean((2, 3))
            x = self.fc(x)
            return x

    net = CNN()
    x_train = m.randn(4, 3, 12, 12)
    x_test = m.randn(3, 3, 12, 12)
    params = {k: v.detach() for k, v in net.named_parameters()}

    def fnet_single(params, x):
        return m.func.functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

    def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2):
        jac1 = m.func.vmap(m.func.jacrev(fnet_single), (None, 0))(params, x1)
        jac1 = [j.flatten(2) for j in jac1.values()]
        jac2 = m.func.vmap(m.func.jacrev(fnet_single), (None, 0))(params, x2)
        jac2 = [j.flatten(2) for j in jac2.values()]
        result = m.stack([m.einsum("Naf,Mbf->NMab", j1, j2) for j1, j2 in zip(jac1, jac2)])
        return result.sum(0)

    r1 = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)

    def empirical_ntk_ntk_vps(func, params, x1, x2):
        def get_ntk(x1, x2):
            def func_x1(params):
                return func(params, x1)

            def func_x2(params):
                return func(params, x2)

            output, vjp_fn = m.func.vjp(func_x1, params)

            def get_ntk_slice(vec):
                vjps = vjp_fn(vec)
                _, jvps = m.func.jvp(func_x2, (params,), vjps)
                return jvps

            basis = m.eye(output.numel(), dtype=output.dtype).view(output.numel(), -1)
            return m.func.vmap(get_ntk_slice)(basis)

        result = m.func.vmap(m.func.vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
        return result

    r2 = empirical_ntk_ntk_vps(fnet_single, params, x_train, x_test)
    return r1.detach().numpy(), r2.detach().numpy()


def test_neural_tangent_kernel(torch):
    ours, theirs = _ntk(torchlet), _ntk(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
