"""torchlet.profiler: the annotation half of torch.profiler.

`record_function` labels a region of code (as a context manager or decorator); with
no profiler implemented here, a label changes nothing, which is what it does in
PyTorch when no profiler is running. `profile` / `schedule` / tracing are not
implemented and raise AttributeError as missing names.
"""
import enum
import functools

__all__ = ["ProfilerActivity", "record_function"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


class record_function:
    """A named region: `with record_function("forward"): ...` or `@record_function("step")`."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*a, **kw):
            with record_function(self.name, self.args):
                return fn(*a, **kw)
        return wrapped
