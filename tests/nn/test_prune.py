"""nn.utils.prune against torch: masks, weight_orig/weight_mask naming and state_dict keys,
the forward pre-hook, gradients through the mask, iterative pruning (PruningContainer),
random pruning drawing PyTorch's stream, global pruning, remove, and the errors."""

import importlib

import numpy as np
import pytest

import torchlet


def _prune(m):
    return importlib.import_module(m.__name__ + ".nn.utils.prune")


def _net(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Conv2d(2, 4, 3), m.nn.Flatten(), m.nn.Linear(16, 5))


X = np.random.default_rng(0).standard_normal((3, 2, 4, 4)).astype(np.float32)

STEPS = {
    "l1": lambda P, n: P.l1_unstructured(n[2], "weight", amount=0.3),
    "l1_int": lambda P, n: P.l1_unstructured(n[0], "bias", amount=2),
    "random": lambda P, n: P.random_unstructured(n[2], "weight", amount=0.5),
    "ln": lambda P, n: P.ln_structured(n[0], "weight", amount=0.5, n=2, dim=0),
    "ln_l1_dim1": lambda P, n: P.ln_structured(n[0], "weight", amount=1, n=1, dim=1),
    "random_structured": lambda P, n: P.random_structured(n[0], "weight", amount=0.5, dim=0),
    "global": lambda P, n: P.global_unstructured(
        [(n[0], "weight"), (n[2], "weight")], pruning_method=P.L1Unstructured, amount=0.4
    ),
    "identity": lambda P, n: P.identity(n[2], "bias"),
}


@pytest.mark.parametrize(
    "steps",
    [
        ["l1"],
        ["l1_int"],
        ["random"],
        ["ln"],
        ["ln_l1_dim1"],
        ["random_structured"],
        ["global"],
        ["identity"],
        ["l1", "random"],
        ["ln", "l1_int", "global"],
        ["random", "random"],
        ["ln", "random_structured"],
    ],
)
def test_prune_like_torch(steps, torch):
    res = []
    for m in (torchlet, torch):
        P = _prune(m)
        net = _net(m)
        m.manual_seed(5)
        for s in steps:
            STEPS[s](P, net)
        after = m.rand(3)  # random pruning consumed the same draws
        sd = net.state_dict()
        y = net(m.tensor(X))
        y.pow(2).sum().backward()
        grads = {n: p.grad for n, p in net.named_parameters()}
        hooks = [type(h).__name__ for mod in net for h in mod._forward_pre_hooks.values()]
        res.append((sd, y, grads, hooks, after, P.is_pruned(net)))
    (so, yo, go, ho, ao, po), (st, yt, gt, ht, at, pt) = res
    assert list(so) == list(st) and ho == ht and po == pt
    for k in st:
        np.testing.assert_allclose(so[k].numpy(), st[k].numpy(), rtol=1e-6, atol=1e-7, err_msg=k)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert sorted(go) == sorted(gt)
    for k in gt:
        np.testing.assert_allclose(go[k].numpy(), gt[k].numpy(), rtol=1e-5, atol=1e-5, err_msg=k)
    np.testing.assert_array_equal(ao.numpy(), at.numpy())


def test_remove_and_repr(torch):
    res = []
    for m in (torchlet, torch):
        P = _prune(m)
        net = _net(m)
        P.l1_unstructured(net[2], "weight", amount=0.5)
        P.ln_structured(net[2], "weight", amount=1, n=2, dim=0)
        container = list(net[2]._forward_pre_hooks.values())[0]
        kinds = [type(c).__name__ for c in container]
        orig = net[2].weight_orig
        P.remove(net[2], "weight")
        res.append(
            (
                kinds,
                list(net.state_dict()),
                repr(net),
                net[2].weight.detach().numpy(),
                net[2].weight is orig,
                type(net[2].weight).__name__,
                len(net[2]._forward_pre_hooks),
                P.is_pruned(net),
            )
        )
    o, t = res
    assert o[:3] == t[:3] and o[4:] == t[4:]
    np.testing.assert_allclose(o[3], t[3], rtol=1e-6)


def test_methods_directly(torch):
    w = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    for name, make in (("L1", lambda P: P.L1Unstructured(amount=0.25)), ("Ln", lambda P: P.LnStructured(0.5, 1, 0))):
        out = [make(_prune(m)).prune(m.tensor(w)).numpy() for m in (torchlet, torch)]
        np.testing.assert_array_equal(out[0], out[1], err_msg=name)


@pytest.mark.parametrize(
    "make",
    [
        lambda P, m: P.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=1.5),
        lambda P, m: P.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=-1),
        lambda P, m: P.l1_unstructured(m.nn.Linear(2, 2), "weight", amount="a"),
        lambda P, m: P.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=5),
        lambda P, m: P.ln_structured(m.nn.Linear(2, 2), "bias", amount=1, n=2, dim=0),
        lambda P, m: P.ln_structured(m.nn.Linear(2, 2), "weight", amount=1, n=2, dim=2),
        lambda P, m: P.remove(m.nn.Linear(2, 2), "weight"),
        lambda P, m: P.global_unstructured(3, P.L1Unstructured, amount=1),
        lambda P, m: P.global_unstructured([(m.nn.Linear(2, 2), "weight")], P.LnStructured, amount=1, n=1, dim=0),
    ],
)
def test_errors(make, torch):
    with pytest.raises(Exception) as et:
        make(_prune(torch), torch)
    with pytest.raises(Exception) as eo:
        make(_prune(torchlet), torchlet)
    assert type(eo.value) is type(et.value)
    assert str(eo.value).replace("torchlet", "torch") == str(et.value)
