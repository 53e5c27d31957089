"""ops/_block_cache.py: large results on reused blocks. A block in use by any array (or any view
of one) is never handed out again; a free one is; the ops that take their results from it agree
with PyTorch bit for bit (or as their own tests tolerate), also when an earlier result is still
alive, and a gradient on a block is taken over as a fresh one would be."""

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import torch

import torchlet
from torchlet.ops import _block_cache as bc

BIG = (512, 512)  # 1 MiB of float32: at MIN_BYTES
assert 512 * 512 * 4 >= bc.MIN_BYTES


def _addr(a):
    return a.__array_interface__["data"][0]


def test_a_free_block_is_reused_and_a_used_one_is_not():
    a = bc.empty(BIG, np.float32)
    assert a.shape == BIG and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
    b = bc.empty(BIG, np.float32)
    assert _addr(b) != _addr(a)
    where = _addr(a)
    del a
    c = bc.empty(BIG, np.float32)
    assert _addr(c) == where


def test_a_view_keeps_its_block_in_use():
    a = bc.empty(BIG, np.float32)
    a[...] = 7
    view = a[::3, 1:].T
    where = _addr(a)
    del a
    for _ in range(3):
        b = bc.empty(BIG, np.float32)
        assert _addr(b) != where
        b[...] = -1
    assert (view == 7).all()
    del view, b
    assert any(_addr(bc.empty(BIG, np.float32)) == where for _ in range(3))


def test_same_bytes_other_dtype_and_shape_share_blocks():
    a = bc.empty(BIG, np.float32)
    where = _addr(a)
    del a
    b = bc.empty((BIG[0] * BIG[1] // 2,), np.float64)
    assert b.dtype == np.float64 and b.shape == (BIG[0] * BIG[1] // 2,) and _addr(b) == where


@pytest.mark.parametrize("shape", [(256, 256), (300, 301), BIG])
def test_arithmetic_results_start_on_a_cache_line(shape):
    """PyTorch aligns CPU tensors to 64 bytes; malloc only to 16, and NumPy's SIMD loops split
    their stores across cache lines on a misaligned result (2x slower in L2)."""
    assert 256 * 256 * 4 >= bc.ALIGNED_BYTES
    held = [bc.empty(shape, np.float32, bc.ALIGNED_BYTES) for _ in range(3)] + [bc.empty(BIG, np.float32)]
    x = torchlet.randn(*shape, requires_grad=True)
    y = torchlet.relu(x)
    y.backward(torchlet.ones_like(y))
    with torchlet.no_grad():
        held += [(x + x)._data, (x * 2)._data, (x - 1.5)._data, (x / x)._data, (x @ x.T)._data, x.grad._data]
    for a in held:
        assert a.base is not None and _addr(a) % 64 == 0 and a.flags.c_contiguous


def test_small_arrays_are_plain():
    a = bc.empty((16, 16), np.float32)
    assert a.base is None and a.flags.owndata


def test_past_keep_bytes_free_blocks_of_other_sizes_go_then_plain_arrays(monkeypatch):
    monkeypatch.setattr(bc, "_blocks", {})
    monkeypatch.setattr(bc, "_ids", set())
    monkeypatch.setattr(bc, "_held", [0])
    n = BIG[0] * BIG[1] * 4
    monkeypatch.setattr(bc, "KEEP_BYTES", 3 * n)
    a = bc.empty(BIG, np.float32)
    b = bc.empty((BIG[0] * 8, BIG[1]), np.uint8)  # another size, 2n bytes
    assert bc.held_bytes() == 3 * n
    del b
    c = bc.empty(BIG, np.float32)  # needs the other size's free block gone
    assert bc.held_bytes() == 2 * n and c.base is not None
    d = bc.empty((BIG[0] * 2, BIG[1]), np.float32)  # 2n more: no room, nothing free to drop, a plain array
    assert d.base is None and bc.held_bytes() == 2 * n
    del a, c
    bc.empty_cache()
    assert bc.held_bytes() == 0 and bc._ids == set()


def test_a_gradient_on_a_block_is_taken_over_not_copied():
    w = torchlet.randn(512, 784, requires_grad=True)
    x = torchlet.randn(512, 784)
    torchlet.nn.functional.linear(x, w).sum().backward()  # dW = g.T @ x, a product on a block
    g = w.grad._data
    assert g.base is not None and bc.references(g.base) == 1  # the product's own block, no clone
    expected = torch.ones(512, 512) @ torch.from_numpy(x.numpy())
    np.testing.assert_allclose(w.grad.numpy(), expected.numpy(), rtol=1e-5, atol=1e-4)


def test_threads_never_share_a_block():
    held, barrier = [], threading.Barrier(4)

    def grab():
        barrier.wait()
        for _ in range(50):
            a = bc.empty(BIG, np.float32)
            held.append(a)

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({_addr(a) for a in held}) == len(held) == 200


def test_a_forked_child_allocates():
    code = textwrap.dedent(
        """
        import os, threading, numpy as np
        from torchlet.ops import _block_cache as bc
        keep = bc.empty((512, 512), np.float32)
        bc._lock.acquire()  # as if another thread held it at the fork
        pid = os.fork()
        if pid == 0:
            a = bc.empty((512, 512), np.float32)
            os._exit(0 if a.base is not None and a.ctypes.data != keep.ctypes.data else 3)
        bc._lock.release()
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"


# ----- binary: NumPy's result, on a block where that is the same array --------------------------
rng = np.random.default_rng(0)
X = rng.standard_normal(BIG).astype(np.float32)
Y = rng.standard_normal(BIG).astype(np.float32)
CASES = {
    "same shape": lambda: (X, Y),
    "row broadcast": lambda: (X, Y[:1]),
    "column broadcast": lambda: (X[:, :1], Y),
    "float scalar": lambda: (X, 0.3),
    "int scalar": lambda: (X, 3),
    "F-ordered": lambda: (np.asfortranarray(X), np.asfortranarray(Y)),
    "transposed": lambda: (X.T, Y.T),
    "mixed dtypes": lambda: (X, Y.astype(np.float64)),
    "float64": lambda: (X.astype(np.float64), Y.astype(np.float64)),
    "float16": lambda: (np.vstack([X, Y]).astype(np.float16), np.vstack([Y, X]).astype(np.float16)),
}


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.true_divide])
@pytest.mark.parametrize("case", CASES)
def test_binary_gives_numpy_s_array(ufunc, case):
    x, y = CASES[case]()
    got, want = bc.binary(ufunc, x, y), ufunc(x, y)
    assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(np.uint8), np.ascontiguousarray(want).view(np.uint8))
    on_block = got.base is not None
    assert on_block == (
        case in ("same shape", "row broadcast", "column broadcast", "float scalar", "int scalar", "float64", "float16")
    )


def test_binary_leaves_numpy_s_error():
    with pytest.raises(ValueError):
        bc.binary(np.add, X, Y[:, :3])


# ----- ops on blocks against PyTorch --------------------------------------------------------------
def _pair(shape, seed, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return torchlet.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _same(ours, theirs, exact=True):
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-5)


def test_relu_results_and_gradients_survive_later_calls():
    held = []
    for seed in range(3):  # each result stays alive while the next is computed on another block
        x, tx = _pair(BIG, seed)
        y, ty = torchlet.relu(x), torch.relu(tx)
        y.backward(torchlet.ones_like(y) * 0.5)
        ty.backward(torch.ones_like(ty) * 0.5)
        held.append((y, ty, x.grad, tx.grad))
    for y, ty, g, tg in held:
        _same(y, ty)
        _same(g, tg)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_in_place_steps(dtype):
    x, tx = _pair((1024, 256), 1, dtype)
    w, tw = _pair((256,), 2, dtype)
    b, tb = _pair((256,), 3, dtype)
    y = torchlet.nn.functional.layer_norm(x, (256,), w, b)
    ty = torch.nn.functional.layer_norm(tx, (256,), tw, tb)
    _same(y, ty, exact=False)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_backward_in_one_buffer(fn):
    x, tx = _pair((1024, 300), 4)
    g = np.random.default_rng(5).standard_normal((1024, 300)).astype(np.float32)
    getattr(torchlet.nn.functional, fn)(x, 1).backward(torchlet.tensor(g))
    getattr(torch.nn.functional, fn)(tx, 1).backward(torch.tensor(g))
    _same(x.grad, tx.grad, exact=False)


def test_cat_reshape_addmm_matmul_on_blocks():
    x, tx = _pair((1024, 300), 6)
    y, ty = _pair((1024, 200), 7)
    _same(torchlet.cat([x, y], 1), torch.cat([tx, ty], 1))
    _same(x.T.reshape(-1), tx.T.reshape(-1))
    m1, tm1 = _pair((300, 256), 8)
    bias, tbias = _pair((256,), 9)
    _same(torchlet.addmm(bias, x, m1), torch.addmm(tbias, tx, tm1), exact=False)
    a, ta = _pair((16, 128, 64), 10)
    c, tc = _pair((16, 64, 128), 11)
    _same(a @ c, ta @ tc, exact=False)


@pytest.mark.parametrize("size", [48, 49])  # windows tile the input / leave a last row and column out
def test_max_pool_indices_and_gradient_on_blocks(size):
    x, tx = _pair((64, 8, size, size), 12)
    y, idx = torchlet.nn.functional.max_pool2d(x, 2, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    _same(y, ty)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    y.sum().backward()
    ty.sum().backward()
    _same(x.grad, tx.grad)


def test_arithmetic_on_blocks_is_pytorch_s():
    x, tx = _pair(BIG, 13)
    y, ty = _pair(BIG, 14)
    for ours, theirs in ((x + y, tx + ty), (x - y, tx - ty), (x * y, tx * ty), (x / y, tx / ty), (x * 0.5, tx * 0.5)):
        _same(ours, theirs)


def test_conv_relu_pool_inference_twice_is_the_same():
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
    ours = torchlet.nn.Sequential(torchlet.nn.Conv2d(1, 6, 5), torchlet.nn.ReLU(), torchlet.nn.MaxPool2d(2))
    ours.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    xs = [np.random.default_rng(s).standard_normal((128, 1, 28, 28)).astype(np.float32) for s in (15, 16)]
    with torchlet.no_grad(), torch.no_grad():
        outs = [ours(torchlet.tensor(x)) for x in xs]  # the first stays alive through the second
        for out, x in zip(outs, xs):
            np.testing.assert_allclose(out.numpy(), ref(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
