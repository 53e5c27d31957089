"""torchlet.version: torch.version's fields. `cuda` is the CUDA runtime version CuPy was built
against ("12.8"), or None without CuPy (a CPU-only build); looked up on first access so that
importing this module does not import CuPy."""

__all__ = ["__version__", "cuda", "hip", "debug", "git_version"]  # noqa: F822 (cuda: module __getattr__)

__version__ = "0.1.0"
hip = None
debug = False
git_version = "Unknown"


def _cuda_version():
    from . import accelerator

    if not accelerator._built():
        return None
    try:
        import cupy

        v = cupy.cuda.runtime.runtimeGetVersion()  # 12080 -> "12.8"
    except Exception:
        return None
    return f"{v // 1000}.{v % 1000 // 10}"


def __getattr__(name):
    if name == "cuda":
        value = _cuda_version()
        globals()["cuda"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
