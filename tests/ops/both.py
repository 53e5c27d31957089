"""Run one call on torchlet and on PyTorch: the same values and dtypes, or
exactly the same exception class (not a subclass)."""

import pytest

import torchlet
from tests.oracle import assert_same


def both(fn, torch, **tol):
    """fn(m) for m = torch, then torchlet; returns torch's result (None when it raised)."""
    try:
        theirs = fn(torch)
    except Exception as et:  # the class is what is compared
        with pytest.raises(Exception) as eo:
            fn(torchlet)
        ours = type(eo.value)
        if type(et).__module__ == "builtins":
            assert ours is type(et), (
                f"torchlet raised {ours.__name__}: {eo.value}; torch raised {type(et).__name__}: {et}"
            )
        else:  # torch's own classes (torch._C._LinAlgError): same name
            assert ours.__name__ == type(et).__name__, (eo.value, et)
        return None
    assert_same(fn(torchlet), theirs, **tol)
    return theirs
