"""Test setup: PyTorch is the oracle. Under CI=true a missing oracle is an error,
never a silent skip."""
import os

import numpy as np
import pytest

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:  # pragma: no cover - local runs without the oracle
    HAVE_TORCH = False

if os.environ.get("CI") == "true" and not HAVE_TORCH:
    raise pytest.UsageError("CI=true but the oracle (torch==2.14.1) is not installed: "
                            "install the test extra (pip install -e '.[test]')")


def pytest_collection_modifyitems(config, items):
    if HAVE_TORCH:
        return
    skip = pytest.mark.skip(reason="PyTorch oracle not installed")
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()) or item.get_closest_marker("oracle"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _reset_state():
    """Each test starts from the same seeds and default dtype."""
    import torchlet
    torchlet.manual_seed(0)
    np.random.seed(0)
    torchlet.set_default_dtype(torchlet.float32)
    yield
    torchlet.set_default_dtype(torchlet.float32)


@pytest.fixture
def torch():
    import torch as _torch
    _torch.manual_seed(0)
    return _torch
