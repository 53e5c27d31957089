"""utils.checkpoint against torch.utils.checkpoint: a block with dropout, checkpointed with
use_reentrant True and False, gives torch's outputs, input and parameter gradients (the
recomputation replays the same dropout masks) and leaves the random stream where torch
leaves it; checkpoint_sequential likewise; warnings and errors as torch's."""

import warnings

import numpy as np
import pytest


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(
        lib.nn.Linear(6, 8),
        lib.nn.Dropout(0.3),
        lib.nn.ReLU(),
        lib.nn.Linear(8, 8),
        lib.nn.Tanh(),
        lib.nn.Dropout(0.2),
        lib.nn.Linear(8, 3),
    )


X = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)


def _run(lib, reentrant, how):
    m = _model(lib)
    x = lib.tensor(X, requires_grad=True)
    lib.manual_seed(7)
    if how == "checkpoint":
        h = lib.utils.checkpoint.checkpoint(m[:4], x, use_reentrant=reentrant)
        y = m[4:](h)
    else:
        y = lib.utils.checkpoint.checkpoint_sequential(m, 3, x, use_reentrant=reentrant)
    (y * lib.arange(3.0)).sum().backward()
    after = lib.rand(4)
    return y, x.grad, [p.grad for p in m.parameters()], after


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("how", ["checkpoint", "sequential"])
def test_values_gradients_rng(reentrant, how, torch):
    import torch.utils.checkpoint
    import torchlet.utils.checkpoint

    yo, gxo, gpo, ao = _run(torchlet, reentrant, how)
    yt, gxt, gpt, at = _run(torch, reentrant, how)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gxo.numpy(), gxt.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(gpo, gpt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ao.numpy(), at.numpy())


def test_non_reentrant_autograd_grad_kwargs_and_input_without_grad(torch):
    import torch.utils.checkpoint
    import torchlet.utils.checkpoint

    def run(lib):
        m = _model(lib)
        x = lib.tensor(X)  # no grad on the input: parameters still get theirs

        def block(inp, *, scale):
            return m[:4](inp) * scale

        lib.manual_seed(3)
        y = lib.utils.checkpoint.checkpoint(block, x, use_reentrant=False, scale=2.0)
        return lib.autograd.grad(y.pow(2).sum(), list(m[:4].parameters()))

    for a, b in zip(run(torchlet), run(torch)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


def test_tuple_outputs_and_double_use(torch):
    import torch.utils.checkpoint
    import torchlet.utils.checkpoint

    def run(lib, reentrant):
        lib.manual_seed(1)
        lin = lib.nn.Linear(4, 4)
        a = lib.tensor(X[:, :4], requires_grad=True)

        def block(t):
            h = lin(t)
            return h.sin(), h.cos()

        s, c = lib.utils.checkpoint.checkpoint(block, a, use_reentrant=reentrant)
        (s * c + s).sum().backward()
        return a.grad, lin.weight.grad

    for reentrant in (True, False):
        for o, t in zip(run(torchlet, reentrant), run(torch, reentrant)):
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_warnings_and_errors(torch):
    import torch.utils.checkpoint
    import torchlet.utils.checkpoint

    msgs = []
    for lib in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.utils.checkpoint.checkpoint(lambda t: t * 2, lib.ones(2, requires_grad=True))
            lib.utils.checkpoint.checkpoint(lambda t: t * 2, lib.ones(2), use_reentrant=True)
            lib.utils.checkpoint.checkpoint_sequential(
                [lambda t: t * 2, lambda t: t + 1], 2, lib.ones(2, requires_grad=True)
            )
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 3
    for kwargs in (dict(use_reentrant=True, scale=2), dict(use_reentrant=True, debug=True)):
        with pytest.raises(ValueError) as eo:
            torchlet.utils.checkpoint.checkpoint(lambda t, scale=1: t, torchlet.ones(2), **kwargs)
        with pytest.raises(ValueError) as et:
            torch.utils.checkpoint.checkpoint(lambda t, scale=1: t, torch.ones(2), **kwargs)
        assert str(eo.value) == str(et.value)


def test_reentrant_refuses_autograd_grad(torch):
    import torch.utils.checkpoint
    import torchlet
    import torchlet.utils.checkpoint

    errs = []
    for lib in (torchlet, torch):
        lin = lib.nn.Linear(2, 2)
        x = lib.ones(1, 2, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lin, x, use_reentrant=True).sum()
        with pytest.raises(RuntimeError) as e:
            lib.autograd.grad(y, x)
        errs.append(str(e.value))
        y2 = lib.utils.checkpoint.checkpoint(lin, x, use_reentrant=True).sum()
        with pytest.raises(RuntimeError):
            y2.backward(inputs=[x])
    assert errs[0] == errs[1]
