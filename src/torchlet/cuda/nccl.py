"""torchlet.cuda.nccl: NCCL as CuPy exposes it (cupy.cuda.nccl). A CPU-only build has none, so
`version()` raises AttributeError as PyTorch's does without torch._C._nccl_version."""

__all__ = ["version", "is_available"]


def version():
    """NCCL's version as (major, minor, patch)."""
    try:
        from cupy.cuda import nccl as _nccl

        code = _nccl.get_version()
    except Exception:
        raise AttributeError("module 'torch._C' has no attribute '_nccl_version'") from None
    if code < 10000:  # NCCL before 2.9 packed major*1000 + minor*100 + patch
        return code // 1000, code % 1000 // 100, code % 100
    return code // 10000, code % 10000 // 100, code % 100


def is_available(tensors):
    """False: torchlet does not run NCCL collectives (torch.distributed runs on MPI)."""
    return False
