"""CUDA streams and events over CuPy's (cupy.cuda.Stream / cupy.cuda.Event).

A CPU-only build has PyTorch's dummy base classes: constructing a Stream or an Event raises
RuntimeError("Tried to instantiate dummy base class Stream") (torch/_utils.py's _dummy_type).
"""

__all__ = ["Stream", "Event", "StreamContext", "stream", "current_stream", "default_stream"]


def _require(cls_name):
    from .. import accelerator

    if not accelerator._built():
        raise RuntimeError(f"Tried to instantiate dummy base class {cls_name}")
    from . import _lazy_init

    return _lazy_init()


class Stream:
    """A CUDA stream on `device` (None: the current device). `with s:` makes it current."""

    def __init__(self, device=None, priority=0, **kwargs):
        from . import device as _device_ctx

        if device is not None:
            with _device_ctx(device):  # CPU-only: "PyTorch was compiled without CUDA support"
                self._init(priority)
        else:
            self._init(priority)

    def _init(self, priority):
        cp = _require(type(self).__name__)
        self._s = cp.cuda.Stream(non_blocking=False, priority=priority or None)
        self.device_index = cp.cuda.runtime.getDevice()

    @classmethod
    def _wrap(cls, s, device_index):
        obj = cls.__new__(cls)
        obj._s, obj.device_index = s, device_index
        return obj

    @property
    def device(self):
        from .._device import device

        return device("cuda", self.device_index)

    @property
    def cuda_stream(self):
        return self._s.ptr

    def query(self):
        return self._s.done

    def synchronize(self):
        self._s.synchronize()

    def wait_event(self, event):
        self._s.wait_event(event._e)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._prev = self._s.__enter__()
        return self

    def __exit__(self, *exc):
        self._s.__exit__(*exc)
        return False

    def __eq__(self, other):
        return isinstance(other, Stream) and self._s.ptr == other._s.ptr

    def __hash__(self):
        return hash(self._s.ptr)

    def __repr__(self):
        return f"<torch.cuda.Stream device={self.device} cuda_stream={hex(self._s.ptr)}>"


class Event:
    """A CUDA event; with enable_timing=True, elapsed_time(end) gives milliseconds between two."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False, external=False):
        cp = _require("Event")
        self._e = cp.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)
        self.enable_timing = enable_timing

    def record(self, stream=None):
        """Record on `stream` (None: the current stream)."""
        self._e.record(None if stream is None else stream._s)

    def wait(self, stream=None):
        (stream or current_stream()).wait_event(self)

    def query(self):
        return self._e.done

    def synchronize(self):
        self._e.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds from this event to `end_event` (both recorded, enable_timing=True)."""
        import cupy

        return cupy.cuda.get_elapsed_time(self._e, end_event._e)

    def __repr__(self):
        return f"<torch.cuda.Event {hex(self._e.ptr)}>"


def current_stream(device=None):
    from . import _lazy_init, _index

    cp = _lazy_init()
    return Stream._wrap(cp.cuda.get_current_stream(), _index(device, optional=True))


def default_stream(device=None):
    from . import _lazy_init, _index

    cp = _lazy_init()
    return Stream._wrap(cp.cuda.Stream.null, _index(device, optional=True))


class StreamContext:
    """Make `stream` current inside the block (None: a no-op)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.__exit__(*exc)
        return False


def stream(stream):
    return StreamContext(stream)
