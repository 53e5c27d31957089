"""Test setup: PyTorch is the oracle. Under CI=true a missing oracle or optional test
dependency (torchvision, tensorboard, safetensors, matplotlib, Chromium) is an error,
never a silent skip: tests ask for them through `require` / `require_program`."""

import importlib
import os
import shutil

import numpy as np
import pytest

try:
    import torch

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - local runs without the oracle
    HAVE_TORCH = False

CI = os.environ.get("CI") == "true"

# tests/gpu needs an NVIDIA GPU with CuPy and a CUDA PyTorch: collected only when asked for
# (TORCHLET_GPU=1, as tests/gpu/run.sh does), so CI neither runs nor skips them.
collect_ignore = [] if os.environ.get("TORCHLET_GPU") == "1" else ["gpu"]

# Property tests draw their cases from a fixed seed under CI: a red run must mean a change
# broke something, and a case found locally is added as an explicit test.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if CI:
    _hypothesis_settings.load_profile("ci")

if CI and not HAVE_TORCH:
    raise pytest.UsageError(
        "CI=true but the oracle (torch==2.14.1) is not installed: install the test extra (pip install -e '.[test]')"
    )


def require(module):
    """Import an optional test dependency (`require("torchvision.transforms")`): a missing
    one skips the test (or the module, at module level) locally, and fails it under CI=true."""
    if CI:
        try:
            return importlib.import_module(module)
        except ImportError as e:
            pytest.fail(
                f"CI=true but {module} cannot be imported ({e}); install the test extra (pip install -e '.[test]')",
                pytrace=False,
            )
    return pytest.importorskip(module)


@pytest.fixture(params=[1, 2])
def threads(request):
    """The test at torchlet.set_num_threads(1) and (2), restored after."""
    import torchlet

    before = torchlet.get_num_threads()
    torchlet.set_num_threads(request.param)
    yield request.param
    torchlet.set_num_threads(before)


def require_onednn():
    """The oneDNN extra (`torchlet[onednn]`, in the test extra on Linux x86-64): a missing one
    skips the test locally and fails it under CI=true."""
    import platform

    from torchlet.ops import _onednn

    if _onednn.library() is None:
        if CI and platform.system() == "Linux" and platform.machine() == "x86_64":  # where the wheel exists
            pytest.fail("CI=true but oneDNN (onednn-cpu-gomp, in the test extra) does not load", pytrace=False)
        pytest.skip("oneDNN (torchlet[onednn]) is not installed")


def require_program(name):
    """Path of an external program the test needs (`chromium`): skipped when missing locally,
    a failure under CI=true (where .ci/run installs it)."""
    path = shutil.which(name)
    if path is None:
        if CI:
            pytest.fail(f"CI=true but {name} is not installed (.ci/run installs it)", pytrace=False)
        pytest.skip(f"{name} is not installed")
    return path


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
