"""oneDNN, loaded through ctypes: the library, its engine and stream, its OpenMP
thread count, and its sgemm.

Optional: ``pip install "torchlet[onednn]"`` brings Intel's ``onednn-cpu-gomp``
wheel (oneDNN 3.2, GNU OpenMP, CPU only; Linux x86-64). Without it, or with
``TORCHLET_ONEDNN=0`` in the environment or ``torchlet.backends.cpu.use_onednn
= False``, nothing here loads and every operation stays on NumPy (the
reference). What runs on it: the float32 convolutions (_conv_onednn.py), the wide
float32 matrix products at one thread and all of them above one thread once its
pool has started (_gemm.py; sums through BLAS follow, _blas_sum.py; stacks of
them as one matmul, _matmul_onednn.py), the sigmoid and GELU of large float32
arrays (_eltwise_onednn.py), attention's softmax (_softmax_onednn.py), float32
LSTM layers (_lstm_onednn.py), 2-d pooling (_pool_onednn.py) and SGD's update of large
parameters while its pool holds the cores (_binary_onednn.py). What they
share is in _onednn_plan.py.

Threads: oneDNN runs OpenMP regions of ``omp_get_max_threads()`` threads; it
is set to ``torchlet.get_num_threads()`` before each call where they differ,
as PyTorch's set_num_threads sets its own OpenMP pool.
"""

import ctypes
import os
import sys
import threading

import numpy as np

__all__ = ["enabled", "library", "pool_started", "sgemm", "start_pool", "Unsupported"]

# oneDNN 3.x enum values (include/oneapi/dnnl/dnnl_types.h, dnnl_common_types.h at v3.2)
SUCCESS = 0
ENGINE_CPU = 1
STREAM_IN_ORDER = 1
MAX_NDIMS = 12

F32 = np.dtype(np.float32)
P = ctypes.c_void_p
Dims = ctypes.c_int64 * MAX_NDIMS


class ExecArg(ctypes.Structure):
    """dnnl_exec_arg_t: an argument index (DNNL_ARG_*) and the memory bound to it."""

    _fields_ = [("arg", ctypes.c_int), ("memory", P)]


class Unsupported(Exception):
    """oneDNN refused a descriptor (or failed): the caller takes the NumPy path."""


class _Library:
    """libdnnl's functions with their C signatures, one CPU engine and one in-order stream."""

    _SIGNATURES = {
        "dnnl_engine_create": [ctypes.POINTER(P), ctypes.c_int, ctypes.c_size_t],
        "dnnl_stream_create": [ctypes.POINTER(P), P, ctypes.c_uint],
        "dnnl_stream_wait": [P],
        "dnnl_memory_desc_create_with_strides": [ctypes.POINTER(P), ctypes.c_int, Dims, ctypes.c_int, Dims],
        "dnnl_memory_desc_create_with_tag": [ctypes.POINTER(P), ctypes.c_int, Dims, ctypes.c_int, ctypes.c_int],
        "dnnl_memory_desc_destroy": [P],
        "dnnl_convolution_forward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int]
        + [P] * 4
        + [Dims] * 4
        + [P],
        "dnnl_convolution_backward_data_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int]
        + [P] * 3
        + [Dims] * 4
        + [P, P],
        "dnnl_convolution_backward_weights_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int]
        + [P] * 4
        + [Dims] * 4
        + [P, P],
        "dnnl_reorder_primitive_desc_create": [ctypes.POINTER(P), P, P, P, P, P],
        "dnnl_eltwise_forward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int, P, P]
        + [ctypes.c_float] * 2
        + [P],
        "dnnl_lstm_forward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int]
        + [P] * 11
        + [ctypes.c_uint, P],
        "dnnl_lstm_backward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int]
        + [P] * 22
        + [ctypes.c_uint, P, P],
        "dnnl_eltwise_backward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, P, P, P]
        + [ctypes.c_float] * 2
        + [P, P],
        "dnnl_softmax_forward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int, P, P]
        + [ctypes.c_int, P],
        "dnnl_softmax_backward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, P, P, P]
        + [ctypes.c_int, P, P],
        "dnnl_matmul_primitive_desc_create": [ctypes.POINTER(P), P, P, P, P, P, P],
        "dnnl_pooling_forward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, ctypes.c_int, P, P]
        + [Dims] * 5
        + [P],
        "dnnl_binary_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, P, P, P, P],
        "dnnl_primitive_attr_create": [ctypes.POINTER(P)],
        "dnnl_primitive_attr_destroy": [P],
        "dnnl_primitive_attr_set_scales_mask": [P, ctypes.c_int, ctypes.c_int],
        "dnnl_pooling_backward_primitive_desc_create": [ctypes.POINTER(P), P, ctypes.c_int, P, P] + [Dims] * 5 + [P, P],
        "dnnl_primitive_desc_destroy": [P],
        "dnnl_primitive_create": [ctypes.POINTER(P), P],
        "dnnl_primitive_destroy": [P],
        "dnnl_primitive_execute": [P, P, ctypes.c_int, ctypes.POINTER(ExecArg)],
        "dnnl_memory_create": [ctypes.POINTER(P), P, P, P],
        "dnnl_memory_set_data_handle": [P, P],
        "dnnl_memory_destroy": [P],
        # row-major C = alpha op(A) op(B) + beta C
        "dnnl_sgemm": [ctypes.c_char, ctypes.c_char]
        + [ctypes.c_int64] * 3
        + [ctypes.c_float, P, ctypes.c_int64]
        + [P, ctypes.c_int64, ctypes.c_float, P, ctypes.c_int64],
    }

    def __init__(self, path):
        lib = ctypes.CDLL(path)
        for name, argtypes in self._SIGNATURES.items():
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = argtypes, ctypes.c_int
        lib.dnnl_primitive_desc_query_md.argtypes = [P, ctypes.c_int, ctypes.c_int]
        lib.dnnl_primitive_desc_query_md.restype = P
        lib.dnnl_memory_desc_equal.argtypes = [P, P]
        lib.dnnl_memory_desc_equal.restype = ctypes.c_int
        lib.dnnl_memory_desc_get_size.argtypes = [P]
        lib.dnnl_memory_desc_get_size.restype = ctypes.c_size_t
        self.lib = lib
        self.engine = self.new("dnnl_engine_create", ENGINE_CPU, 0)
        self.stream = self.new("dnnl_stream_create", self.engine, STREAM_IN_ORDER)
        omp = ctypes.CDLL("libgomp.so.1")  # the OpenMP runtime libdnnl was linked with (already loaded)
        self.omp_get_max_threads, self.omp_set_num_threads = omp.omp_get_max_threads, omp.omp_set_num_threads
        self.omp_set_num_threads.argtypes = [ctypes.c_int]

    def call(self, name, *args):
        status = getattr(self.lib, name)(*args)
        if status != SUCCESS:
            raise Unsupported(f"{name}: oneDNN status {status}")

    def new(self, name, *args):
        """Calls a dnnl_*_create function and returns the handle it wrote."""
        handle = P()
        self.call(name, ctypes.byref(handle), *args)
        return handle

    def sync_threads(self):
        """Sets oneDNN's OpenMP threads to threads() (OpenMP's setting is per calling thread,
        hence checked per thread) and returns that count. A primitive keeps the count it was
        created with: callers key their caches on it."""
        want = threads()
        if getattr(_local, "threads", None) != want:
            if self.omp_get_max_threads() != want:
                self.omp_set_num_threads(want)
            _local.threads = want
        if want > 1:
            _state["pool"] = True
        return want


_state = {}  # "lib": _Library, or None when the wheel is absent or does not load
_state_lock = threading.Lock()
_local = threading.local()


def _library_path():
    # where pip puts the wheel's data files in a virtual environment or a --prefix install;
    # reading the installed distributions (below) costs ~20 ms more
    path = os.path.join(sys.prefix, "lib", "libdnnl.so.3")
    if os.path.exists(path):
        return path
    from importlib import metadata

    try:
        dist = metadata.distribution("onednn-cpu-gomp")
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == "libdnnl.so.3":
            return str(dist.locate_file(f))
    return None


def library():
    """The loaded library, or None (not installed, or it does not load)."""
    if "lib" not in _state:
        with _state_lock:
            if "lib" not in _state:
                path = _library_path()
                try:
                    _state["lib"] = _Library(path) if path else None
                except (OSError, AttributeError, Unsupported):  # a broken install: NumPy path
                    _state["lib"] = None
    return _state["lib"]


def enabled():
    """The wheel is installed and loads, and oneDNN is not turned off (torchlet.backends.cpu's
    use_onednn, which reads TORCHLET_ONEDNN when it is imported: once, not on every call)."""
    cpu = sys.modules.get("torchlet.backends.cpu")
    if cpu is None:
        from ..backends import cpu
    if not cpu.use_onednn:
        return False
    return library() is not None


def threads():
    """The OpenMP threads oneDNN runs on: torchlet.get_num_threads(), 1 in a forked child."""
    return 1 if "forked" in _state else sys.modules["torchlet"].get_num_threads()


def _after_fork_in_child():
    """GNU OpenMP's thread pool does not survive fork: a forked child that entered a parallel
    region of the parent's pool would wait forever for threads it does not have. The child
    runs oneDNN on its own thread (as PyTorch's DataLoader workers run at one thread), with
    primitives of its own (_conv_onednn drops the parent's: they were made for the pool)."""
    _state["forked"] = True
    _state.pop("pool", None)
    _local.__dict__.clear()  # the forking thread's record of the OpenMP setting


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def pool_started():
    """Whether oneDNN has run on more than one OpenMP thread in this process. From then on
    its pool's threads spin between calls, as OpenBLAS's own do: products that would wake
    OpenBLAS's pool go to oneDNN's instead (_gemm.py), so one pool holds the cores."""
    return "pool" in _state


def start_pool():
    """Hands the cores to oneDNN's pool from now on (above one thread, when enabled): a process
    that runs no convolution on it, and whose products would stay on OpenBLAS's threads, opts
    in (the fused recurrences: a 2-layer LSTM step with all products and sums on oneDNN ran
    130-140 ms against 165-195 on OpenBLAS, at two threads)."""
    if threads() > 1 and enabled():
        library().sync_threads()


_addressof, _Byte = ctypes.addressof, ctypes.c_char


def address(a):
    """The address of NumPy array a's first element: through the buffer protocol, 0.3 us where
    `a.ctypes.data` takes 0.9 (three to five a call on every oneDNN path); a read-only or empty
    array (which the buffer protocol refuses here) through `a.ctypes`."""
    try:
        return _addressof(_Byte.from_buffer(a))
    except (TypeError, ValueError):
        return a.ctypes.data


def sgemm(a, trans_a, b, trans_b, out, beta):
    """out (M, N) = op(a) @ op(b) + beta * out on C-contiguous float32 arrays, op = transpose
    where trans_* (the array then holds the transpose)."""
    lib = library()
    lib.sync_threads()
    M, N = out.shape
    K = a.shape[0] if trans_a else a.shape[1]
    status = lib.lib.dnnl_sgemm(
        b"T" if trans_a else b"N",
        b"T" if trans_b else b"N",
        M,
        N,
        K,
        1.0,
        address(a),
        a.shape[1],
        address(b),
        b.shape[1],
        beta,
        address(out),
        N,
    )
    if status != SUCCESS:
        raise RuntimeError(f"oneDNN sgemm failed (status {status})")
    return out
