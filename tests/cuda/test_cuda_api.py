"""torchlet.cuda without CuPy answers as a CPU-only PyTorch build.

The oracle in the venv is a CUDA build of PyTorch on a machine without a GPU. Where a
CPU-only build answers the same (availability, zero counts and memory figures, queued
seeds, no-op contexts), the answers are compared with it. Where they differ, the expected
class and text are those of a CPU-only build, read from PyTorch's source:
torch/cuda/__init__.py (`_lazy_init`: AssertionError("Torch not compiled with CUDA
enabled"); `_exchange_device`: RuntimeError("PyTorch was compiled without CUDA support");
no `torch._C._cuda_setDevice` / `_cuda_resetPeakMemoryStats` / `_nccl_version`:
AttributeError) and torch/_utils.py (`_dummy_type`: RuntimeError("Tried to instantiate
dummy base class Stream")).
"""

import os
import subprocess
import sys
import tempfile

import pytest

import torchlet

pytestmark = pytest.mark.skipif(torchlet.accelerator._built(), reason="CuPy installed: not a CPU-only build")

NOT_COMPILED = "^Torch not compiled with CUDA enabled$"


def _answer(f):
    try:
        return ("value", f())
    except Exception as e:  # the class is the answer
        return ("raise", type(e))


SAME_IN_BOTH_BUILDS = {
    "is_available": lambda m: m.cuda.is_available(),
    "device_count": lambda m: m.cuda.device_count(),
    "memory_allocated": lambda m: m.cuda.memory_allocated(),
    "max_memory_allocated": lambda m: m.cuda.max_memory_allocated(),
    "memory_reserved": lambda m: m.cuda.memory_reserved(),
    "max_memory_reserved": lambda m: m.cuda.max_memory_reserved(),
    "empty_cache": lambda m: m.cuda.empty_cache(),
    "manual_seed": lambda m: m.cuda.manual_seed(3),
    "manual_seed_all": lambda m: m.cuda.manual_seed_all(3),
    "is_bf16_supported": lambda m: m.cuda.is_bf16_supported(),
    "set_device(-1)": lambda m: m.cuda.set_device(-1),
    "stream(None)": lambda m: m.cuda.stream(None).__enter__(),
    "device(-1)": lambda m: m.cuda.device(-1).__enter__(),
    "is_initialized": lambda m: m.cuda.is_initialized(),
    "hip": lambda m: m.version.hip,
}


@pytest.mark.parametrize("name", sorted(SAME_IN_BOTH_BUILDS))
def test_answers_shared_by_both_builds(torch, name):
    f = SAME_IN_BOTH_BUILDS[name]
    assert _answer(lambda: f(torchlet)) == _answer(lambda: f(torch))


CPU_ONLY_ERRORS = {
    "current_device": (lambda c: c.current_device(), AssertionError, NOT_COMPILED),
    "synchronize": (lambda c: c.synchronize(), AssertionError, NOT_COMPILED),
    "get_device_name": (lambda c: c.get_device_name(), AssertionError, NOT_COMPILED),
    "get_device_capability": (lambda c: c.get_device_capability(), AssertionError, NOT_COMPILED),
    "get_device_properties": (lambda c: c.get_device_properties(0), AssertionError, NOT_COMPILED),
    "current_stream": (lambda c: c.current_stream(), AssertionError, NOT_COMPILED),
    "default_stream": (lambda c: c.default_stream(), AssertionError, NOT_COMPILED),
    "initial_seed": (lambda c: c.initial_seed(), AssertionError, NOT_COMPILED),
    "init": (lambda c: c.init(), AssertionError, NOT_COMPILED),
    "device(0)": (lambda c: c.device(0).__enter__(), RuntimeError, "^PyTorch was compiled without CUDA support$"),
    "Stream()": (lambda c: c.Stream(), RuntimeError, "^Tried to instantiate dummy base class Stream$"),
    "Stream(0)": (lambda c: c.Stream(0), RuntimeError, "^PyTorch was compiled without CUDA support$"),
    "Event()": (lambda c: c.Event(enable_timing=True), RuntimeError, "^Tried to instantiate dummy base class Event$"),
    "set_device(0)": (lambda c: c.set_device(0), AttributeError, "_cuda_setDevice"),
    "reset_peak": (lambda c: c.reset_peak_memory_stats(), AttributeError, "_cuda_resetPeakMemoryStats"),
    "nccl.version": (lambda c: c.nccl.version(), AttributeError, "_nccl_version"),
}


@pytest.mark.parametrize("name", sorted(CPU_ONLY_ERRORS))
def test_cpu_only_build_errors(name):
    call, cls, text = CPU_ONLY_ERRORS[name]
    with pytest.raises(cls, match=text) as info:
        call(torchlet.cuda)
    assert type(info.value) is cls


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.zeros(2, device="cuda"),
        lambda m: m.randn(2, device="cuda:0"),
        lambda m: m.tensor([1.0], device=m.device("cuda")),
        lambda m: m.zeros(2).cuda(),
        lambda m: m.zeros(2).to("cuda", non_blocking=True),
        lambda m: m.nn.Linear(2, 2).cuda(),
    ],
)
def test_cuda_tensors_raise_not_compiled(make):
    with pytest.raises(AssertionError, match=NOT_COMPILED):
        make(torchlet)


def test_version_cuda_is_none_on_a_cpu_only_build():
    assert torchlet.version.cuda is None
    assert torchlet.version.__version__ == torchlet.__version__


def test_cudnn_flags_set_and_restore_as_pytorch(torch):
    def seen(m):
        c = m.backends.cudnn
        return (c.enabled, c.benchmark, c.deterministic, c.allow_tf32)

    before = seen(torch), seen(torchlet)
    with torch.backends.cudnn.flags(enabled=False, benchmark=True, deterministic=True, allow_tf32=False):
        theirs = seen(torch)
    with torchlet.backends.cudnn.flags(enabled=False, benchmark=True, deterministic=True, allow_tf32=False):
        ours = seen(torchlet)
    assert ours == theirs
    assert (seen(torch), seen(torchlet)) == before
    assert before[0] == before[1]


def test_matmul_tf32_off_by_default(torch):
    assert torchlet.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32 is False
    torchlet.backends.cuda.matmul.allow_tf32 = True
    try:
        assert torchlet.backends.cuda.matmul.allow_tf32 is True
    finally:
        torchlet.backends.cuda.matmul.allow_tf32 = False


def test_import_torchlet_and_cuda_calls_never_import_cupy():
    code = (
        "import sys, torchlet\n"
        "torchlet.cuda.is_available(); torchlet.cuda.memory_allocated(); torchlet.manual_seed(1)\n"
        "torchlet.randn(3) + 1\n"
        "print('cupy' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "..", "src"))
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240, cwd=tempfile.gettempdir()
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def test_api_names_present():
    """Every torch.cuda name of the API checklist outside cuda.amp (the amp work's) exists."""
    names = [
        "is_available",
        "device_count",
        "current_device",
        "set_device",
        "device",
        "get_device_name",
        "get_device_capability",
        "get_device_properties",
        "synchronize",
        "Event",
        "Stream",
        "current_stream",
        "stream",
        "memory_allocated",
        "max_memory_allocated",
        "memory_reserved",
        "empty_cache",
        "reset_peak_memory_stats",
        "manual_seed",
        "manual_seed_all",
        "is_bf16_supported",
    ]
    missing = [n for n in names if not hasattr(torchlet.cuda, n)]
    assert missing == []
    assert callable(torchlet.cuda.nccl.version) and callable(torchlet.backends.cudnn.flags)
