"""Helpers for the nn-surface tests: exact exception classes and the same
float inputs in both libraries."""

import numpy as np


def same_error(call):
    """`call(m)` raises in torch and torchlet with exactly the same class; returns the two."""
    import torch
    import torchlet

    errs = []
    for m in (torch, torchlet):
        try:
            call(m)
        except Exception as e:  # the class is what is compared
            errs.append(e)
        else:
            errs.append(None)
    et, eo = errs
    assert et is not None, "torch did not raise"
    assert eo is not None, f"torchlet did not raise (torch: {type(et).__name__}: {et})"
    assert type(eo) is type(et), f"torchlet {type(eo).__name__}: {eo}; torch {type(et).__name__}: {et}"
    return eo, et


def both(arr, requires_grad=False):
    """The same array as a (torchlet, torch) pair of tensors."""
    import torch
    import torchlet

    a = torchlet.tensor(np.array(arr))
    b = torch.tensor(np.array(arr))
    if requires_grad:
        a.requires_grad_(True)
        b.requires_grad_(True)
    return a, b


def torch_stream():
    """True once torchlet's default generator draws PyTorch's own numbers."""
    import torch
    import torchlet

    torch.manual_seed(123)
    torchlet.manual_seed(123)
    return np.array_equal(torchlet.rand(8, dtype=torchlet.float64).numpy(), torch.rand(8, dtype=torch.float64).numpy())
