"""SGD's update of a parameter on the GPU as one fused CuPy kernel, the formulas of sgd.py:

    d = g + wd p                                (weight decay, when wd != 0)
    buf = momentum buf + (1 - dampening) d      (momentum, once the buffer exists)
    p = p - lr (d + momentum buf if nesterov else buf)     (or p - lr d without momentum)

The tensor-op form launches a kernel per operation: 4-5 a parameter with momentum and weight
decay, each ~12 us of host time through CuPy, so ResNet-18's step (62 parameters) spent ~5 ms
in opt.step() where the GPU needed microseconds. One launch a parameter here. In float32 the
arithmetic rounds as the tensor ops do, except where the compiler fuses a multiply and an add
(NVRTC's default, as nvcc's in PyTorch's kernels). CuPy is imported on first use only."""

import functools


@functools.cache
def _kernels():
    import cupy

    decay = "T d = wd != 0 ? g + (T)wd * p : g;"
    return (
        cupy.ElementwiseKernel("T g, float64 lr, float64 wd", "T p", decay + " p = p - (T)lr * d;", "torchlet_sgd"),
        cupy.ElementwiseKernel(
            "T g, float64 lr, float64 wd, float64 momentum, float64 dampening, bool nesterov",
            "T p, T buf",
            decay
            + " buf = (T)momentum * buf + (T)(1 - dampening) * d;"
            + " p = p - (T)lr * (nesterov ? d + (T)momentum * buf : buf);",
            "torchlet_sgd_momentum",
        ),
    )


def step(p, g, buf, *, lr, momentum, dampening, weight_decay, nesterov):
    """One SGD step of CuPy tensor p (gradient g, momentum buffer buf or None when momentum is
    0): True when done, False (nothing written) where the arrays do not fit the kernel."""
    P, G = p._data, g._data
    B = None if buf is None else buf._data
    for a in (G, B):
        if a is not None and (
            type(a) is not type(P) or a.dtype != P.dtype or a.shape != P.shape or not a.flags.c_contiguous
        ):
            return False
    if not P.flags.c_contiguous:  # (float32/float64 CuPy arrays: sgd.py asks _backends_cupy.fused first)
        return False
    plain, with_momentum = _kernels()
    if B is None:
        plain(G, lr, weight_decay, P)
    else:
        with_momentum(G, lr, weight_decay, momentum, dampening, nesterov, P, B)
    return True
