"""Normalization ops (batch/layer/group/instance/local response norm) and layers against PyTorch."""

import numpy as np
import pytest

from tests.oracle import Op, assert_same, check_error, check_op


def F(m):
    return m.nn.functional


def _bn(training, momentum=0.1, eps=1e-5):
    def fn(m, x, w, b):
        C = x.shape[1]
        rm = m.linspace(-0.5, 0.5, C, dtype=x.dtype)
        rv = m.linspace(0.5, 1.5, C, dtype=x.dtype)
        return F(m).batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)

    return fn


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_running_stats(shape, dtype, torch):
    import torchlet

    rms, rvs = [], []
    for m in (torchlet, torch):
        rm = m.linspace(-0.5, 0.5, 3, dtype=getattr(m, dtype))
        rv = m.linspace(0.5, 1.5, 3, dtype=getattr(m, dtype))
        rng = np.random.default_rng(0)
        for _ in range(3):
            x = m.tensor(rng.standard_normal(shape).astype(dtype))
            F(m).batch_norm(x, rm, rv, training=True, momentum=0.3)
        rms.append(rm)
        rvs.append(rv)
    assert_same(rms[0], rms[1])
    assert_same(rvs[0], rvs[1])


OPS = [
    Op("batch_norm_train", _bn(True), [((4, 3), (3,), (3,)), ((2, 3, 5), (3,), (3,)), ((2, 3, 4, 3), (3,), (3,))]),
    Op("batch_norm_train_momentum", _bn(True, 0.3, 1e-3), [((2, 3, 4, 3), (3,), (3,))]),
    Op("batch_norm_eval", _bn(False), [((4, 3), (3,), (3,)), ((2, 3, 4, 3), (3,), (3,))]),
    Op("batch_norm_no_affine_no_stats", lambda m, x: F(m).batch_norm(x, None, None, training=True), [((4, 3, 2),)]),
    Op("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4, 5), w, b), [((2, 3, 4, 5), (4, 5), (4, 5))]),
    Op("layer_norm_plain", lambda m, x: F(m).layer_norm(x, (5,), eps=1e-3), [((3, 5),), ((5,),)]),
    Op(
        "group_norm",
        lambda m, x, w, b: F(m).group_norm(x, 2, w, b),
        [((2, 4, 3, 5), (4,), (4,)), ((2, 4, 3), (4,), (4,))],
    ),
    Op("group_norm_plain", lambda m, x: F(m).group_norm(x, 1), [((2, 3, 4),)]),
    Op("instance_norm", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), [((2, 4, 3, 5), (4,), (4,))]),
    Op("local_response_norm", lambda m, x: F(m).local_response_norm(x, 3, alpha=0.1), [((2, 5, 3, 4),), ((2, 5, 3),)]),
    Op("local_response_norm_even", lambda m, x: F(m).local_response_norm(x, 2, k=2.0), [((2, 4, 3, 2, 2),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_grad_fn_names(torch):
    import torchlet

    for call in (
        lambda m, x: F(m).batch_norm(x, None, None, training=True),
        lambda m, x: F(m).layer_norm(x, (6,)),
        lambda m, x: F(m).group_norm(x, 1),
    ):
        a = call(torchlet, torchlet.ones(2, 2, 6, 6, requires_grad=True))
        b = call(torch, torch.ones(2, 2, 6, 6, requires_grad=True))
        assert a.grad_fn.name() == b.grad_fn.name()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: F(m).batch_norm(m.ones(1, 3), m.zeros(3), m.ones(3), training=True),
        lambda m: F(m).batch_norm(m.ones(2, 3), m.zeros(4), m.ones(4), training=True),
        lambda m: F(m).layer_norm(m.ones(1, 3), (4,)),
        lambda m: F(m).group_norm(m.ones(1, 3, 2), 2),
    ],
)
def test_errors(call, torch):
    eo, et = check_error(call)
    assert str(eo) == str(et)


def _pair(name, *args, **kw):
    import torch
    import torchlet

    theirs = getattr(torch.nn, name)(*args, **kw)
    ours = getattr(torchlet.nn, name)(*args, **kw)
    return ours, theirs


def _load(ours, theirs):
    import torchlet

    sd = {k: torchlet.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)


def _perturb(theirs):
    import torch

    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.rand_like(p) * 0.5)


NORM_LAYERS = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3, 5)),
    ("BatchNorm2d", (3,), dict(eps=1e-3, momentum=0.3), (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), dict(affine=False), (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (2, 3, 4, 5)),
    ("LayerNorm", ((4, 5),), {}, (2, 3, 4, 5)),
    ("LayerNorm", (5,), dict(elementwise_affine=False), (3, 5)),
    ("LayerNorm", (5,), dict(bias=False, eps=1e-3), (3, 5)),
    ("GroupNorm", (2, 4), {}, (2, 4, 3, 3)),
    ("GroupNorm", (2, 4), dict(affine=False, eps=1e-3), (2, 4, 5)),
    ("LocalResponseNorm", (3,), dict(alpha=0.01, beta=0.5, k=2.0), (2, 5, 3, 3)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 4, 5)),
    ("InstanceNorm1d", (3,), dict(affine=True), (3, 6)),
]


@pytest.mark.parametrize("name,args,kw,shape", NORM_LAYERS, ids=lambda v: str(v))
def test_layers(name, args, kw, shape, torch):
    import torchlet

    ours, theirs = _pair(name, *args, **kw)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    _perturb(theirs)
    _load(ours, theirs)
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = np.random.rand(*shape).astype(np.float32) * 3
        xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        assert_same(yo, yt)
        g = np.random.rand(*shape).astype(np.float32)
        yo.backward(torchlet.tensor(g))
        yt.backward(torch.tensor(g))
        assert_same(xo.grad, xt.grad, rtol=1e-4, atol=1e-5)
        for (k, p), (k2, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert k == k2
            assert_same(p.grad, q.grad, rtol=1e-4, atol=1e-5)
        for (k, b), (k2, c) in zip(ours.named_buffers(), theirs.named_buffers()):
            assert k == k2
            assert_same(b, c)
