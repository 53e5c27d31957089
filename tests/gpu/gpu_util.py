"""Helpers shared by the GPU tests."""

import numpy as np

import torchlet


def on_gpu(t):
    """Assert a torchlet tensor lives on cuda:0 as a CuPy array."""
    import cupy

    assert t.device == torchlet.device("cuda", 0), t.device
    assert isinstance(t._data, cupy.ndarray), type(t._data)


def host(t):
    """A torchlet or torch tensor's values as a NumPy array."""
    return t.detach().cpu().numpy()


def close(ours, theirs, rtol=1e-4, atol=1e-4, msg=""):
    np.testing.assert_allclose(host(ours), host(theirs), rtol=rtol, atol=atol, err_msg=msg)
