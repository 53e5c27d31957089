"""nn.functional.relu_ against torch: in place (same object, version bump), values, and the
leaf-requiring-grad error."""

import numpy as np
import pytest

import torchlet


def test_relu_(torch):
    x = np.array([-1.5, 0.0, 2.0, -0.1], dtype=np.float32)
    a, b = torchlet.tensor(x), torch.tensor(x)
    ra, rb = torchlet.nn.functional.relu_(a), torch.nn.functional.relu_(b)
    assert ra is a and rb is b
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(RuntimeError):
        torch.nn.functional.relu_(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError):
        torchlet.nn.functional.relu_(torchlet.ones(2, requires_grad=True))
    # through a graph: gradient as torch's
    xo = torchlet.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    torchlet.nn.functional.relu_(xo * 2).sum().backward()
    torch.nn.functional.relu_(xt * 2).sum().backward()
    np.testing.assert_array_equal(xo.grad.numpy(), xt.grad.numpy())
