"""SGD's update of a large float32 parameter as scaled adds on oneDNN's pool
(ops/_binary_onednn.py), while that pool holds the cores or at one thread; the bits of the
tensor-op form in sgd.py.

While a process runs its convolutions on oneDNN above one thread, the pool's workers spin between
calls, so the tensor ops' one-thread NumPy passes get one core: ResNet-18's opt.step() (11M
parameters) took 17 ms at two threads, PyTorch's 7, which runs its loops on that same pool. As
scaled adds on it: 6.6 ms, and the whole training step 136 -> 126 ms. At one thread the two
scaled adds are two passes over the arrays where the tensor ops make four and a temporary
(ResNet-18's 2.4M-element weights 2.33 -> 1.38 ms each).

    g' = g + wd p                              as g.add(p, alpha=wd)
    buf = momentum buf + (1 - dampening) g'    as buf.mul_(momentum).add_(g', alpha=1 - dampening)
    g' = g' + momentum buf (Nesterov), else buf
    p = p + (-lr) g'                           as p.add_(g', alpha=-lr)

The first momentum step (buf = a copy of g') and `maximize` stay with the tensor ops.

Tried and not kept: the same operations as a NumPy kernel in cache-sized blocks on torchlet's
Python threads (ops/_parallel.py). ResNet-18's opt.step() alone at two threads went 17 -> 10.6 ms,
but at one thread 16-17 ms either way (the arrays stream from memory), and the MLP's training
step at two threads went 1.81 -> 1.88 ms (OpenBLAS's spinning worker holds the other core).
"""

from ..ops import _binary_onednn, _block_cache
from ..ops._binary_onednn import ADD

_OPS = ((ADD, False),)


def step(p, g, buf, *, lr, momentum, dampening, weight_decay, nesterov):
    """One SGD step of tensor p (gradient g, momentum buffer buf or None) on oneDNN: True when
    done, False, with nothing written, where _binary_onednn does not take these arrays."""
    p, g = p._data, g._data
    arrays = (p, g) if buf is None else (p, g, buf._data)
    k = _binary_onednn.kernels(arrays, _OPS, one_thread=True)
    if k is None or g.shape != p.shape or (buf is not None and buf.shape != p.shape):
        return False
    if weight_decay != 0:
        t = _block_cache.empty(g.shape, g.dtype)
        k.binary(ADD, g, p, t, 1, weight_decay)
        g = t
    if buf is not None:
        buf = buf._data
        k.binary(ADD, buf, g, buf, momentum, 1 - dampening)
        if nesterov:
            t = g if weight_decay != 0 else _block_cache.empty(g.shape, g.dtype)
            k.binary(ADD, g, buf, t, 1, momentum)
            g = t
        else:
            g = buf
    k.binary(ADD, p, g, p, 1, -lr)
    return True
