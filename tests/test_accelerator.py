"""Device probes: torchlet without CuPy is a CPU-only build and answers as a CPU-only
PyTorch does. The oracle here is a CUDA build of PyTorch run with no GPU visible: the
answers that do not depend on the build are compared with it; those that do (a
CUDA build reports `cuda` as its accelerator and cuDNN as available) are PyTorch's
CPU-only answers, read from torch/accelerator/__init__.py and DeviceAccelerator.cpp."""

import json
import os
import subprocess
import sys
import tempfile

import pytest

import torchlet

pytestmark = pytest.mark.skipif(torchlet.accelerator._built(), reason="CuPy installed: not a CPU-only build")

_PROBES = r"""
import json, sys, importlib
m = importlib.import_module(sys.argv[1])
out = {}
def probe(name, f):
    try:
        v = f()
        out[name] = ["value", repr(v) if not isinstance(v, (bool, int)) else v]
    except Exception as e:
        out[name] = ["raise", type(e).__name__]
probe("is_available", lambda: m.accelerator.is_available())
probe("device_count", lambda: m.accelerator.device_count())
probe("memory_allocated", lambda: m.accelerator.memory_allocated())
probe("max_memory_allocated", lambda: m.accelerator.max_memory_allocated())
probe("memory_reserved", lambda: m.accelerator.memory_reserved())
probe("memory_stats", lambda: len(m.accelerator.memory_stats()))
probe("empty_cache", lambda: m.accelerator.empty_cache())
probe("reset_peak", lambda: m.accelerator.reset_peak_memory_stats())
probe("current_device_index", lambda: m.accelerator.current_device_index())
probe("synchronize", lambda: m.accelerator.synchronize())
probe("get_memory_info", lambda: m.accelerator.get_memory_info())
probe("cuda.is_available", lambda: m.cuda.is_available())
probe("cuda.device_count", lambda: m.cuda.device_count())
probe("mps.is_available", lambda: m.backends.mps.is_available())
probe("mps.is_built", lambda: m.backends.mps.is_built())
probe("cudnn.enabled", lambda: m.backends.cudnn.enabled)
probe("cudnn.benchmark", lambda: m.backends.cudnn.benchmark)
probe("cudnn.deterministic", lambda: m.backends.cudnn.deterministic)
probe("matmul.allow_tf32", lambda: m.backends.cuda.matmul.allow_tf32)
print(json.dumps(out))
"""


def _probe(lib):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.path.join(os.path.dirname(__file__), "..", "src")
    res = subprocess.run(
        [sys.executable, "-c", _PROBES, lib],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        cwd=tempfile.gettempdir(),
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_probes_match_pytorch_without_a_gpu(torch):
    ours, theirs = _probe("torchlet"), _probe("torch")
    assert ours == theirs


def test_cpu_only_build_answers():
    acc = torchlet.accelerator
    assert acc.current_accelerator() is None
    assert acc.current_accelerator(check_available=True) is None
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        acc.current_device_index()
    with pytest.raises(RuntimeError, match="Accelerator expected"):
        acc.synchronize("cuda:0")
    with acc.device_index(None):
        pass
    assert torchlet.backends.cudnn.is_available() is False
    assert torchlet.backends.cudnn.version() is None
    assert torchlet.backends.cuda.is_built() is False
    assert torchlet.backends.mkldnn.is_available() is False


def test_importable_by_name():
    import importlib

    for name in ("torchlet.backends.cudnn", "torchlet.backends.mps", "torchlet.accelerator"):
        importlib.import_module(name)
