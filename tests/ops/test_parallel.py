"""ops/_parallel.py: large elementwise kernels cut into slices on get_num_threads() threads give
the same bits as one call, agree with PyTorch, and survive a fork (DataLoader workers)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import torchlet
from torchlet.ops import _parallel


@pytest.fixture
def threads(monkeypatch):
    """Three threads, slices of at least 1000 elements and blocks of 512, whatever this machine has."""
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(3)
    monkeypatch.setattr(_parallel, "MIN_ELEMENTS", 2000)
    monkeypatch.setattr(_parallel, "BLOCK", 512)
    yield
    torchlet.set_num_threads(before)


def _serial(fn, monkeypatch):
    monkeypatch.setattr(_parallel, "MIN_ELEMENTS", 1 << 60)
    try:
        return fn()
    finally:
        monkeypatch.setattr(_parallel, "MIN_ELEMENTS", 2000)


@pytest.mark.parametrize("n", [2000, 4095, 100_003])
def test_slices_cover_the_array_on_64_element_boundaries(threads, n):
    cuts = _parallel._plan((np.empty(n, np.float32),), 3)
    assert cuts[0] == 0 and cuts[-1] == n
    assert all(a < b for a, b in zip(cuts, cuts[1:]))
    assert all(c % 64 == 0 for c in cuts[1:-1])
    assert len(cuts) - 1 == min(3, n // 1000)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_forward_backward_match_one_call_and_torch(torch, threads, monkeypatch, approximate):
    x = np.random.default_rng(1).standard_normal((9, 4001)).astype(np.float32) * 3
    t = torchlet.tensor(x, requires_grad=True)
    y = torchlet.nn.functional.gelu(t, approximate=approximate)
    y.backward(torchlet.ones_like(y))

    def one():
        s = torchlet.tensor(x, requires_grad=True)
        sy = torchlet.nn.functional.gelu(s, approximate=approximate)
        sy.backward(torchlet.ones_like(sy))
        return sy.detach().numpy(), s.grad.numpy()

    one_y, one_g = _serial(one, monkeypatch)
    np.testing.assert_array_equal(y.detach().numpy(), one_y)
    np.testing.assert_array_equal(t.grad.numpy(), one_g)

    r = torch.tensor(x, requires_grad=True)
    ry = torch.nn.functional.gelu(r, approximate=approximate)
    ry.backward(torch.ones_like(ry))
    np.testing.assert_allclose(y.detach().numpy(), ry.detach().numpy(), rtol=1e-5, atol=5e-6)
    np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), rtol=1e-5, atol=5e-6)


def test_non_contiguous_and_small_inputs_run_as_one_call(threads):
    calls = []

    def fn(x):
        calls.append(x.shape)
        return -x

    big = np.ones((4000, 4), np.float32)
    np.testing.assert_array_equal(_parallel.elementwise(fn, big.T), -big.T)
    _parallel.elementwise(fn, np.ones(100, np.float32))
    assert calls == [(4, 4000), (100,)]
    np.testing.assert_array_equal(_parallel.elementwise(fn, big), -big)
    # 16000 elements: slices [0, 5376), [5376, 10752), [10752, 16000), each in blocks of 512
    assert sorted(calls[2:]) == [(128,), (256,), (256,)] + [(512,)] * 30


def test_results_take_the_given_dtype_and_a_second_operand(threads):
    x, y = np.arange(5000.0), np.full(5000, 2.0)
    got = _parallel.elementwise(lambda a, b: a * b > 3000, x, y, dtype=bool)
    np.testing.assert_array_equal(got, x * y > 3000)


def test_a_kernel_error_reaches_the_caller(threads):
    def fn(x):
        if x[0] > 0:  # only the blocks of the last slice
            raise ValueError("from a worker")
        return x

    x = np.concatenate([np.zeros(3000), np.ones(3000)])
    with pytest.raises(ValueError, match="from a worker"):
        _parallel.elementwise(fn, x)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_the_pool_works_in_a_forked_child():
    prog = textwrap.dedent(
        """
        import os, numpy as np, torchlet
        from torchlet.ops import _parallel
        torchlet.set_num_threads(2)
        _parallel.MIN_ELEMENTS = 2000
        x = torchlet.linspace(-5, 5, 50_000)
        before = torchlet.nn.functional.gelu(x).numpy()
        pid = os.fork()
        if pid == 0:
            ok = np.array_equal(torchlet.nn.functional.gelu(x).numpy(), before)
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    done = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
