"""The GPU check's pieces that can run on the CPU: tests/gpu is left out of the normal run,
bench_gpu.py's timing logic runs (torchlet on the fake device, PyTorch on the CPU), and the
CLI's --device choices resolve as on a machine without CUDA."""

import importlib.util
import os
import subprocess
import sys

import pytest

import torchlet
from torchlet.cli.main import UsageError, _bench_device
from torchlet.cli.train import _device
from torchlet.testing import _fake_backend

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _load_bench():
    path = os.path.join(ROOT, "benchmarks", "bench_gpu.py")
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_gpu_steps_and_ratio_on_the_fake_device(torch):
    _fake_backend.install()
    bench = _load_bench()
    devices = {"torch": "cpu", "torchlet": _fake_backend.DEVICE}
    r = bench.bench_model("lenet", torch, torchlet, rounds=1, steps_per_round=1, warmup=0, devices=devices, batch=8)
    assert abs(r["first_loss"]["torch"] - r["first_loss"]["torchlet"]) < 1e-5
    assert r["ratio"] > 0 and r["batch"] == 8


def test_bench_gpu_without_a_gpu_says_so():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"), CUDA_VISIBLE_DEVICES="")
    res = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_gpu.py"), "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert res.returncode == 2 and "needs a GPU" in res.stderr


@pytest.mark.parametrize("flag, ignored", [(None, ["gpu"]), ("0", ["gpu"]), ("1", [])])
def test_gpu_tests_are_collected_only_with_torchlet_gpu(flag, ignored):
    """tests/conftest.py's collect_ignore leaves tests/gpu out of a run of the suite (pytest
    skips an ignored folder while it walks `tests`), unless TORCHLET_GPU=1 (run.sh)."""
    env = {k: v for k, v in os.environ.items() if k != "TORCHLET_GPU"}
    if flag is not None:
        env["TORCHLET_GPU"] = flag
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('c', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(m.collect_ignore)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, os.path.join(ROOT, "tests", "conftest.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == repr(ignored)
    assert os.access(os.path.join(ROOT, "tests", "gpu", "run.sh"), os.X_OK)


@pytest.mark.skipif(torchlet.cuda.is_available(), reason="a GPU is visible")
def test_cli_device_choices_without_cuda():
    assert _device("auto") == torchlet.device("cpu")
    assert _device("cpu") == torchlet.device("cpu")
    with pytest.raises(UsageError, match="CUDA is not available"):
        _device("cuda")
    with pytest.raises(UsageError, match="bad --device"):
        _device("tpu")
    assert _bench_device(["--device", "cuda", "--repeat", "3"]) == ("cuda", ["--repeat", "3"])
    assert _bench_device(["--device=cpu"]) == ("cpu", [])
    assert _bench_device(["--repeat", "3"]) == ("cpu", ["--repeat", "3"])
