"""The gradients PyTorch forms as selects (threshold_backward, hardtanh_backward, clamp_backward,
masked_fill in maximum's, the shrinks', hardsigmoid's and hardswish's kernels) give 0 where the
input's piece has slope 0 even for an inf or NaN incoming gradient, where g * mask gives NaN.
Compared with PyTorch, without and with a graph of the gradient, on a small and a large array
(NumPy's bitwise select). Inputs are finite: for a NaN input several of PyTorch's kernels answer
one way in their vectorised loop and another in the scalar one that takes an array's last
elements (hardshrink, hardtanh), so that depends on the position."""

import numpy as np
import pytest

import torchlet

OPS = {
    "relu": lambda L, x: L.relu(x),
    "clamp": lambda L, x: L.clamp(x, -1, 1),
    "clamp_min": lambda L, x: L.clamp(x, min=0.0),
    "clamp_max": lambda L, x: L.clamp(x, max=1.0),
    "hardtanh": lambda L, x: L.nn.functional.hardtanh(x),
    "relu6": lambda L, x: L.nn.functional.relu6(x),
    "threshold": lambda L, x: L.nn.functional.threshold(x, 0.1, 20.0),
    "hardshrink": lambda L, x: L.nn.functional.hardshrink(x),
    "softshrink": lambda L, x: L.nn.functional.softshrink(x),
    "hardsigmoid": lambda L, x: L.nn.functional.hardsigmoid(x),
    "hardswish": lambda L, x: L.nn.functional.hardswish(x),
    "maximum": lambda L, x: L.maximum(x, L.zeros_like(x)),
    "minimum": lambda L, x: L.minimum(x, L.zeros_like(x)),
}
# inputs on every piece and every boundary of the ops above
POINTS = np.array([-6.0, -3.0, -1.5, -1.0, -0.5, 0.0, 0.1, 0.5, 1.0, 3.0, 6.0, 7.0, -0.0], np.float32)


@pytest.mark.parametrize("n", [13 * 64, 13 * 64 * 50])
@pytest.mark.parametrize("name", sorted(OPS))
def test_non_finite_gradients_are_selected_as_pytorch_does(torch, name, n):
    x0 = np.resize(POINTS, n)
    g0 = np.resize(np.array([np.inf, np.nan, -np.inf, 2.0], np.float32), n)  # (4 and 13 are coprime)
    for create_graph in (False, True):
        results = []
        for lib in (torchlet, torch):
            x = lib.tensor(x0, requires_grad=True)
            g = lib.tensor(g0, requires_grad=create_graph)
            (gx,) = lib.autograd.grad(OPS[name](lib, x), x, g, create_graph=create_graph)
            results.append(gx.detach().numpy())
        np.testing.assert_array_equal(results[0], results[1], err_msg=f"create_graph={create_graph}")


@pytest.mark.parametrize("name", sorted(OPS))
def test_selects_run_under_vmap_of_jacrev(torch, name):
    """The selects' Tensor-op form inside torch.func transforms (a batched mask, not a plain
    array): per-sample jacobians as torch.func's."""
    x0 = np.resize(POINTS, 4 * 13).reshape(4, 13)
    results = []
    for lib in (torchlet, torch):
        fn = lib.func.vmap(lib.func.jacrev(lambda x, lib=lib: OPS[name](lib, x)))
        results.append(fn(lib.tensor(x0)).numpy())
    np.testing.assert_array_equal(results[0], results[1])
