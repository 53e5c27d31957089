"""Training-mode batch norm on CuPy arrays as a few fused kernels (normalization.py's CUDA path).

On the GPU a batch-norm layer's cost is the host's: every CuPy call is a kernel launch of
~12 us of Python and driver time, and the array formulas made ~15 of them forward and ~14
backward, 0.3 ms of host time a layer each way (a ResNet-18 step has 20 such layers; the GPU
itself needs a few microseconds for them). Here, over X viewed (N, C, L):

    forward   mean = sum(x) / M,  var = sum((x - mean)^2) / M       two reductions
              invstd = 1 / sqrt(var + eps)                           one kernel over C
              y = (x - mean) * invstd * w + b                         one kernel over X
    backward  gb = sum(g),  gw = sum(g (x - mean) invstd)             two reductions
              dx = k (g - gb/M - (x - mean) invstd gw/M), k = invstd w   one kernel over X
    running   r = (1 - momentum) r + momentum stat                   one kernel over C

(M = N * L; the variance of the running update unbiased by M / (M - 1)), the same formulas as
the NumPy path, in the array's dtype. CuPy compiles each kernel once per dtype (NVRTC) and
caches it. CuPy is imported on first use only: `import torchlet` never imports it."""

import functools


@functools.cache
def _kernels():
    import cupy

    ew, red = cupy.ElementwiseKernel, cupy.ReductionKernel
    mean_of = "y = a / _type_reduce(_in_ind.size() / _out_ind.size())"
    return {
        "mean": red("T x", "T y", "x", "a + b", mean_of, "0", "torchlet_bn_mean"),
        "var": red("T x, T m", "T y", "(x - m) * (x - m)", "a + b", mean_of, "0", "torchlet_bn_var"),
        "invstd": ew("T var, float64 eps", "T invstd", "invstd = 1 / sqrt(var + (T)eps)", "torchlet_bn_invstd"),
        "normalize": ew("T x, T m, T s, T w, T b", "T y", "y = (x - m) * (s * w) + b", "torchlet_bn_normalize"),
        "sum": red("T g", "T y", "g", "a + b", "y = a", "0", "torchlet_bn_sum"),
        "sum_gxhat": red("T g, T x, T m, T s", "T y", "g * ((x - m) * s)", "a + b", "y = a", "0", "torchlet_bn_gw"),
        "dx": ew(
            "T g, T x, T m, T s, T k, T gb, T gw, float64 M",
            "T dx",
            "dx = k * (g - gb / (T)M - (x - m) * s * (gw / (T)M))",
            "torchlet_bn_dx",
        ),
        "running": ew(
            "T stat, float64 momentum, float64 scale",
            "R run",
            "run = (R)((1 - momentum) * (double)run + momentum * scale * (double)stat)",
            "torchlet_bn_running",
        ),
    }


def _per_channel(a, C):
    return a.reshape(1, C, 1)


def train(X, weight, bias, eps):
    """(y, mean, var, invstd) of training-mode batch norm of CuPy array X (N, C, ...); the
    statistics are (C,) arrays (var biased); weight/bias: (C,) arrays or None."""
    k = _kernels()
    N, C = X.shape[:2]
    Xr = X.reshape(N, C, -1)
    mean = k["mean"](Xr, axis=(0, 2))
    var = k["var"](Xr, _per_channel(mean, C), axis=(0, 2))
    invstd = k["invstd"](var, eps)
    w = 1 if weight is None else _per_channel(weight, C)
    b = 0 if bias is None else _per_channel(bias, C)
    y = k["normalize"](Xr, _per_channel(mean, C), _per_channel(invstd, C), w, b)
    return y.reshape(X.shape), mean, var, invstd


def train_backward(G, X, W, mean, invstd, need):
    """(dx, dw, db) of training-mode batch norm on CuPy arrays (need: which to compute)."""
    k = _kernels()
    N, C = X.shape[:2]
    Gr, Xr = G.reshape(N, C, -1), X.reshape(N, C, -1)
    m, s = _per_channel(mean, C), _per_channel(invstd, C)
    gb = k["sum"](Gr, axis=(0, 2))
    gw = k["sum_gxhat"](Gr, Xr, m, s, axis=(0, 2))
    gx = None
    if need[0]:
        kk = s if W is None else s * _per_channel(W, C)
        gx = k["dx"](Gr, Xr, m, s, kk, _per_channel(gb, C), _per_channel(gw, C), float(N * Xr.shape[2]))
        gx = gx.reshape(X.shape)
    return gx, (gw if need[1] else None), (gb if need[2] else None)


def update_running(run, stat, momentum, scale=1.0):
    """run = (1 - momentum) run + momentum * scale * stat, in place on CuPy array run (C,)."""
    _kernels()["running"](stat.reshape(run.shape), float(momentum), float(scale), run)
