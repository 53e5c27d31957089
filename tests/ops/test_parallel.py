"""ops/_parallel.py: large elementwise kernels cut into slices on get_num_threads() threads give
the same bits as one call, agree with PyTorch, and survive a fork (DataLoader workers)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import torchlet
from torchlet.ops import _gemm, _parallel


@pytest.fixture
def threads(monkeypatch):
    """Three threads, slices of at least 1000 elements and blocks of 512, whatever this machine has
    (and whether or not an earlier test in this process started oneDNN's pool)."""
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(3)
    monkeypatch.setattr(_gemm, "onednn_holds_cores", lambda: False)
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
        from torchlet.ops import _gemm, _parallel
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


def test_by_rows_cuts_whole_rows_per_thread_in_blocks(threads):
    """by_rows: 30 rows of 100 elements on 3 threads are parts of 10 rows, run in blocks of
    512 // 100 = 5 rows; every row is written once; small or strided arrays are one call."""
    calls = []

    def fn(x, out):
        calls.append(x.shape[0])
        np.multiply(x, 2, out=out)

    x = np.arange(3000, dtype=np.float32).reshape(30, 100)
    out = np.full_like(x, np.nan)
    _parallel.by_rows(fn, x, out)
    np.testing.assert_array_equal(out, x * 2)
    assert sorted(calls) == [5] * 6
    calls.clear()
    _parallel.by_rows(fn, x[:, :50], out[:, :50])  # strided: one call
    _parallel.by_rows(fn, x[:10], out[:10])  # 1000 elements, under MIN_ELEMENTS
    assert calls == [30, 10]


def test_one_thread_while_onednn_holds_the_cores(threads, monkeypatch):
    """While oneDNN's OpenMP pool holds the cores, every kernel runs on the calling thread: a
    Python worker would wait for a core beside its spinning threads."""
    import threading

    seen = set()

    def fn(x, out):
        seen.add(threading.get_ident())
        np.multiply(x, 2, out=out)

    x = np.arange(3000, dtype=np.float32).reshape(30, 100)
    out = np.empty_like(x)
    _parallel.by_rows(fn, x, out)
    assert len(seen) > 1  # the pool took parts (the fixture sets three threads)
    seen.clear()
    monkeypatch.setattr(_gemm, "onednn_holds_cores", lambda: True)
    _parallel.by_rows(fn, x, out)
    y = _parallel.elementwise(lambda a: seen.add(threading.get_ident()) or a * 2, x)
    np.testing.assert_array_equal(out, x * 2)
    np.testing.assert_array_equal(y, x * 2)
    assert seen == {threading.get_ident()}


@pytest.mark.parametrize("shape", [(7, 3, 11, 13), (64, 8, 4, 4)])
def test_eval_batch_norm_and_inplace_relu_match_one_call_and_torch(torch, threads, monkeypatch, shape):
    """Eval-mode batch norm (x * alpha + beta in row blocks) and ReLU(inplace) (clip into the
    activation's own memory) on 3 threads: the one-call bits, PyTorch's values, and the
    channels_last layout kept as PyTorch keeps it."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    state = {
        "weight": rng.standard_normal(shape[1]).astype(np.float32),
        "bias": rng.standard_normal(shape[1]).astype(np.float32),
        "running_mean": rng.standard_normal(shape[1]).astype(np.float32),
        "running_var": rng.random(shape[1]).astype(np.float32) + 0.5,
    }

    def run(m, x):
        bn = m.nn.BatchNorm2d(shape[1]).eval()
        bn.load_state_dict({k: m.tensor(v) for k, v in state.items()}, strict=False)
        with m.no_grad():
            return m.nn.ReLU(inplace=True)(bn(x))

    ours = run(torchlet, torchlet.tensor(x))
    one = _serial(lambda: run(torchlet, torchlet.tensor(x)), monkeypatch)
    np.testing.assert_array_equal(ours.numpy(), one.numpy())
    np.testing.assert_allclose(ours.numpy(), run(torch, torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)
    last = run(torchlet, torchlet.tensor(x).contiguous(memory_format=torchlet.channels_last))
    ref = run(torch, torch.tensor(x).contiguous(memory_format=torch.channels_last))
    assert last.is_contiguous(memory_format=torchlet.channels_last)
    assert ref.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_array_equal(last.numpy(), ours.numpy())


def test_inplace_relu_in_a_graph_shares_memory_and_version(torch, threads):
    """relu_ with a graph clips the activation in its own memory: the gradient is PyTorch's,
    and a later in-place change of the activation is caught at backward, as in PyTorch."""
    x = np.random.default_rng(3).standard_normal((40, 100)).astype(np.float32)
    grads = []
    for m in (torchlet, torch):
        a = m.tensor(x, requires_grad=True)
        h = a * 2
        ptr = h.data_ptr()
        r = h.relu_()
        assert r is h and h.data_ptr() == ptr
        (h * h).sum().backward()
        grads.append(a.grad.numpy())
        b = m.tensor(x, requires_grad=True)
        k = (b * 2).relu_()
        s = k.sum() * 1
        y = k * 1
        k.add_(1)  # the saved result of ReluBackward0 (k itself) is now stale
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            (y.sum() + s).backward()
    np.testing.assert_array_equal(grads[0], grads[1])
