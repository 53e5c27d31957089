"""nn.utils: clip_grad_norm_/clip_grad_value_ and vector conversion vs torch."""

import math

import numpy as np
import pytest

from tests.oracle import check_error


def _params(m, seed=0):
    rng = np.random.default_rng(seed)
    ps = []
    for shape in ((3, 4), (4,), (2, 2, 2)):
        p = m.nn.Parameter(m.tensor(rng.normal(size=shape).astype("float32")))
        p.grad = m.tensor(rng.normal(size=shape).astype("float32") * 3)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm(norm_type, max_norm, torch):
    import torchlet

    a, b = _params(torchlet), _params(torch)
    na = torchlet.nn.utils.clip_grad_norm_(a, max_norm, norm_type=norm_type)
    nb = torch.nn.utils.clip_grad_norm_(b, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(na.item(), nb.item(), rtol=1e-5)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_clip_grad_norm_single_tensor_and_nonfinite(torch):
    import torchlet

    p = torchlet.nn.Parameter(torchlet.ones(3))
    p.grad = torchlet.tensor([3.0, 4.0, 0.0])
    assert torchlet.nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert np.allclose(p.grad.numpy(), [0.6, 0.8, 0.0], atol=1e-6)
    assert torchlet.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0

    def nonfinite(m):
        q = m.nn.Parameter(m.ones(2))
        q.grad = m.tensor([float("inf"), 1.0])
        m.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)

    check_error(nonfinite)


def test_clip_grad_value(torch):
    import torchlet

    a, b = _params(torchlet), _params(torch)
    torchlet.nn.utils.clip_grad_value_(a, 0.7)
    torch.nn.utils.clip_grad_value_(b, 0.7)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_vector_conversion(torch):
    import torchlet

    a, b = _params(torchlet), _params(torch)
    va = torchlet.nn.utils.parameters_to_vector(a)
    vb = torch.nn.utils.parameters_to_vector(b)
    np.testing.assert_array_equal(va.detach().numpy(), vb.detach().numpy())
    va.sum().backward()
    torchlet.nn.utils.vector_to_parameters(torchlet.arange(va.numel()).float(), a)
    torch.nn.utils.vector_to_parameters(torch.arange(vb.numel()).float(), b)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    check_error(lambda m: m.nn.utils.vector_to_parameters([1.0], _params(m)))
