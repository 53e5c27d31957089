"""Adam's update of one parameter as one kernel over NumPy arrays, in cache-sized blocks on
get_num_threads() threads (ops/_parallel.py).

Adam.step as tensor ops is seven in-place or fresh ops per parameter, each a full pass over
the parameter's size on one thread: an MLP's opt.step() (nearly all of it its (256, 784)
weight) took 530 us at two threads where PyTorch's (which splits each op over both cores) took
320. This kernel runs the very same NumPy operations, in the same order (so the same bits;
`tests/optim/test_adam_kernel.py` checks them against the tensor-op form). On one thread it runs
them on blocks of BLOCK elements that stay in the core's cache (that opt.step() at one thread:
570 -> 483-490 us; the weight's kernel alone 410). Above one thread each thread takes its part
of the parameter in one go: with 16K-element blocks the threads' ~14 short NumPy calls a block
fought for the GIL, and two threads took longer than one (460 against 410 us; whole halves 360;
1M elements 3.1 ms in blocks, 2.1 on one thread, 1.8 in halves).

While oneDNN's pool holds the cores (its workers spinning beside any other thread), float32
parameters of 64K+ elements run the same operations as oneDNN binary primitives on the pool
(ops/_binary_onednn.py: round(round(a x) op round(b y)), the same bits; 9 primitives): the MLP's
(256, 784) weight at two threads 459 -> 252 us, a 70K-element one 144 -> 119.

    p *= 1 - lr wd                              (AdamW: decoupled weight decay)
    g' = g + wd p                               (Adam: weight decay added to the gradient)
    m = lerp(m, g', 1 - beta1)                  from the nearer end, as Tensor.lerp_
    v = beta2 v + (1 - beta2) g' g'             as v.mul_(beta2).addcmul_(g', g', value=1 - beta2)
    p += -step_size m / (sqrt(v) / sqrt(1 - beta2^t) + eps)    as p.addcdiv_(m, denom, value=-step_size)
"""

import numpy as np

from ..ops import _binary_onednn, _block_cache, _parallel
from ..ops._binary_onednn import ADD, DIV, MUL, SQRT, SUB

BLOCK = 1 << 14  # elements: 64 KiB of float32 per array, the block's ~6 arrays in L2
_ONEDNN_OPS = ((ADD, False), (SUB, False), (MUL, False), (DIV, False), (ADD, True), (MUL, True), (DIV, True), SQRT)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def arrays_for(p, g, m, v):
    """The flat NumPy arrays of (p, g, m, v) for this kernel, or None where the tensor ops must
    run: other devices or dtypes, non-contiguous or read-only memory, shapes that differ."""
    arrays = (p._data, g._data, m._data, v._data)
    first = arrays[0]
    if first.dtype not in _FLOATS:
        return None
    for a in arrays:
        if (
            a.__class__ is not np.ndarray
            or a.dtype != first.dtype
            or a.shape != first.shape
            or not a.flags.c_contiguous
            or not a.flags.writeable
        ):
            return None
    return tuple(a.reshape(-1) for a in arrays)


def step(arrays, *, lr, beta1, beta2, eps, weight_decay, decoupled, t):
    """One Adam step on the flat arrays (p, g, m, v) from arrays_for, p, m and v in place; t the
    step number (from 1)."""
    p, g, m, v = arrays
    n = p.size
    step_size = lr / (1 - beta1**t)
    bias2_sqrt = (1 - beta2**t) ** 0.5
    w, sq, value = 1 - beta1, 1 - beta2, -step_size
    k = _binary_onednn.kernels(arrays, _ONEDNN_OPS)
    if k is not None:  # oneDNN's pool holds the cores: the same operations on it
        d, e = _block_cache.empty(p.shape, p.dtype), _block_cache.empty(p.shape, p.dtype)
        if weight_decay != 0:
            if decoupled:
                k.binary(MUL, p, 1 - lr * weight_decay, p)
            else:
                k.binary(ADD, g, p, e, 1, weight_decay)
                g = e
        k.binary(SUB, g, m, d)
        if abs(w) < 0.5:
            k.binary(ADD, m, d, m, 1, w)
        else:
            k.binary(SUB, g, d, m, 1, 1 - w)
        k.binary(MUL, g, g, d, sq)  # round(round(sq g) g)
        k.binary(ADD, v, d, v, beta2)
        k.sqrt(v, d)
        k.binary(DIV, d, bias2_sqrt, d)
        k.binary(ADD, d, eps, d)
        k.binary(DIV, m, d, e, value)
        k.binary(ADD, p, e, p)
        return

    def run(start, stop):
        block = BLOCK if stop - start == n else stop - start  # see the module's docstring
        for a in range(start, stop, block):
            b = min(a + block, stop)
            pb, gb, mb, vb = p[a:b], g[a:b], m[a:b], v[a:b]
            if weight_decay != 0:
                if decoupled:
                    np.multiply(pb, 1 - lr * weight_decay, out=pb)
                else:
                    gb = gb + weight_decay * pb
            d = gb - mb  # Tensor.lerp_ with a number weight
            if abs(w) < 0.5:
                np.multiply(d, w, out=d)
                np.add(mb, d, out=mb)
            else:
                np.multiply(d, 1 - w, out=d)
                np.subtract(gb, d, out=mb)
            np.multiply(vb, beta2, out=vb)  # v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            if sq == 1:
                np.multiply(gb, gb, out=d)
            else:
                np.multiply(gb, sq, out=d)
                np.multiply(d, gb, out=d)
            np.add(vb, d, out=vb)
            denom = np.sqrt(vb)  # (v.sqrt() / bias2_sqrt).add_(eps)
            np.true_divide(denom, bias2_sqrt, out=denom)
            np.add(denom, eps, out=denom)
            if value == 1:  # p.addcdiv_(m, denom, value=-step_size)
                np.divide(mb, denom, out=d)
            else:
                np.multiply(mb, value, out=d)
                np.divide(d, denom, out=d)
            np.add(pb, d, out=pb)

    if n < _parallel.MIN_ELEMENTS:
        run(0, n)
    else:
        _parallel.ranges(run, n, 64)
