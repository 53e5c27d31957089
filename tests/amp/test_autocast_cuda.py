"""CUDA autocast without a GPU, against a CUDA-less torch: the same warning and a disabled
region. The CUDA cast lists against PyTorch's own autocast test lists (read from the
installed torch's source): every op those lists name that torchlet has carries the policy
they expect. And the CUDA policies' effect on dtypes, run by pointing the CUDA table at CPU
tensors: lower -> float16, float32 list -> float32, softmax/sum-like -> float32 through
dtype=, promote -> the widest type, binary_cross_entropy refused with PyTorch's text."""

import ast
import inspect
import warnings

import numpy as np
import pytest

import torchlet
from torchlet.amp import _cast_lists, _hook

rng = np.random.default_rng(3)
A = rng.standard_normal((4, 4)).astype(np.float32)
V = rng.standard_normal(4).astype(np.float32)
P = rng.uniform(0.1, 0.9, (4, 4)).astype(np.float32)


def test_cuda_autocast_without_gpu_warns_and_disables(torch):
    seen = []
    for m in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ac = m.autocast("cuda")
            with ac:
                enabled = m.is_autocast_enabled("cuda"), m.is_autocast_enabled()
                y = m.tensor(A) @ m.tensor(A)
        msgs = [(x.category.__name__, str(x.message), x.filename == __file__) for x in w]
        seen.append((msgs, ac._enabled, ac.fast_dtype == m.float16, enabled, str(y.dtype).split(".")[-1]))
    assert seen[0] == seen[1]


def _torch_lists():
    """{list name: [op names]} of torch.testing._internal.autocast_test_lists.AutocastTestLists,
    read from its source (importing it needs test-only packages)."""
    import torch.testing._internal as internal

    path = inspect.getfile(internal).replace("__init__.py", "autocast_test_lists.py")
    tree = ast.parse(open(path).read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "AutocastTestLists")
    out = {}
    for node in ast.walk(cls):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute):
            if isinstance(node.value, ast.List):
                names = [e.elts[0].value for e in node.value.elts if isinstance(e, ast.Tuple)]
                out[node.targets[0].attr] = [n for n in names if isinstance(n, str)]
    return out


EXPECTED = {  # torch's list -> the policies that give its expected dtype
    "torch_fp16": {"lower"},
    "nn_fp16": {"lower"},
    "linalg_fp16": {"lower"},
    "methods_fp16": {"lower"},
    "torch_fp32": {"fp32", "fp32_set_opt_dtype"},
    "nn_fp32": {"fp32"},
    "methods_fp32": {"fp32"},
    "torch_need_autocast_promote": {"promote"},
    "banned": {"banned"},
}
ALIASES = {"grid_sampler": "grid_sample", "nll_loss2d": "nll_loss", "__matmul__": "matmul", "__pow__": "pow"}


def _our_name(name):
    name = ALIASES.get(name, name)
    return "linalg." + name[7:] if name.startswith("linalg_") else name


def _has(name):
    sub, _, base = name.rpartition(".")
    homes = (getattr(torchlet, sub),) if sub else (torchlet, torchlet.nn.functional)
    return any(callable(h.__dict__.get(base)) for h in homes)


def test_cuda_lists_match_torchs_autocast_test_lists(torch):
    lists = _torch_lists()
    assert set(EXPECTED) <= set(lists)
    policies = _cast_lists.policies()
    checked, wrong = 0, []
    for list_name, expected in EXPECTED.items():
        for name in lists[list_name]:
            ours = _our_name(name)
            if not _has(ours):
                continue
            checked += 1
            if policies.get(ours, {}).get("cuda") not in expected:
                wrong.append((list_name, name, policies.get(ours, {}).get("cuda")))
    assert checked > 60 and wrong == []


@pytest.fixture
def cuda_table_on_cpu(monkeypatch):
    """CPU autocast run with CUDA's table and float16: the CUDA policies on CPU tensors."""
    monkeypatch.setitem(_cast_lists.LISTS, "cpu", _cast_lists.CUDA)
    _hook._scanned_modules[0] = -1  # find the places again, for this table
    yield
    monkeypatch.undo()
    _hook._scanned_modules[0] = -1


def _f(a, dt=torchlet.float32):
    return torchlet.tensor(a).to(dt)


H = torchlet.float16
F = torchlet.nn.functional
CUDA_CASES = {
    # name: (call, expected dtype)
    "mm": (lambda: torchlet.mm(_f(A), _f(A)), H),
    "mv": (lambda: torchlet.mv(_f(A), _f(V)), H),
    "addmv": (lambda: torchlet.addmv(_f(V), _f(A), _f(V)), H),
    "linear": (lambda: F.linear(_f(A), _f(A)), H),
    "matmul@": (lambda: _f(A) @ _f(A), H),
    "linalg.multi_dot": (lambda: torchlet.linalg.multi_dot([_f(A), _f(A), _f(A)]), H),
    "exp": (lambda: torchlet.exp(_f(A, H)), torchlet.float32),
    "Tensor.log": (lambda: _f(P, H).log(), torchlet.float32),
    "pow": (lambda: _f(P, H) ** 2, torchlet.float32),
    "layer_norm": (lambda: F.layer_norm(_f(A, H), (4,)), torchlet.float32),
    "mse_loss": (lambda: F.mse_loss(_f(A, H), _f(P, H)), torchlet.float32),
    "interpolate": (lambda: F.interpolate(_f(A, H)[None, None], scale_factor=2), torchlet.float32),
    "softmax": (lambda: torchlet.softmax(_f(A, H), -1), torchlet.float32),
    "Tensor.sum": (lambda: _f(A, H).sum(), torchlet.float32),
    "sum_dtype_given": (lambda: _f(A, H).sum(dtype=torchlet.float16), H),
    "cumsum": (lambda: torchlet.cumsum(_f(A, H), 0), torchlet.float32),
    "linalg.vector_norm": (lambda: torchlet.linalg.vector_norm(_f(A, H)), torchlet.float32),
    "norm": (lambda: _f(A, H).norm(), torchlet.float32),
    "addcmul_promote": (lambda: torchlet.addcmul(_f(A, H), _f(P), _f(A, H)), torchlet.float32),
    "addcmul_all_half": (lambda: torchlet.addcmul(_f(A, H), _f(P, H), _f(A, H)), H),
    "dot_promote": (lambda: torchlet.dot(_f(V, H), _f(V)), torchlet.float32),
    "relu_untouched": (lambda: torchlet.relu(_f(A)), torchlet.float32),
    "float64_untouched": (lambda: torchlet.mm(_f(A, torchlet.float64), _f(A, torchlet.float64)), torchlet.float64),
}


@pytest.mark.parametrize("name", list(CUDA_CASES))
def test_cuda_policies_dtypes(name, cuda_table_on_cpu):
    call, expected = CUDA_CASES[name]
    with torchlet.autocast("cpu", dtype=H):
        y = call()
    assert y.dtype is expected


def test_cuda_banned_binary_cross_entropy(cuda_table_on_cpu, torch):
    import mmap
    import os

    with torchlet.autocast("cpu", dtype=H):
        with pytest.raises(RuntimeError) as e:
            F.binary_cross_entropy(_f(P), _f(P))
    lib = os.path.join(torch.__path__[0], "lib", "libtorch_cpu.so")  # where torch's message lives
    with open(lib, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        assert mem.find(str(e.value).encode()) >= 0
