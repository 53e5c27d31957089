"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode.

The flag is a module global read by every op (`_mode.enabled`), so turning
gradients off costs one attribute read per op.
"""

import functools

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]


class _Mode:
    enabled = True
    inference = False


_mode = _Mode()


def is_grad_enabled():
    return _mode.enabled


def is_inference_mode_enabled():
    return _mode.inference


class _GradContext:
    """Base for the grad-mode context managers; each also works as a decorator."""

    _target = True

    def __enter__(self):
        self._prev = _mode.enabled
        _mode.enabled = self._target

    def __exit__(self, *exc):
        _mode.enabled = self._prev
        return False

    def __call__(self, fn):
        if isinstance(fn, type):
            raise TypeError("a grad-mode decorator must decorate a function")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamContext(_GradContext):
    """Usable as @no_grad() and as a bare @no_grad."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__} takes no arguments")
        return cls()(orig_func)


class no_grad(_NoParamContext):
    _target = False


class enable_grad(_NoParamContext):
    _target = True


class set_grad_enabled(_GradContext):
    """Sets grad mode at construction (as a function) and restores it on exit."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"enabled must be a bool (got {type(mode).__name__})")
        self._prev = _mode.enabled
        self._target = mode
        _mode.enabled = mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _mode.enabled = self._prev
        mode = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return set_grad_enabled(self._target)


class inference_mode(_GradContext):
    """Like no_grad (torchlet has no separate inference tensors)."""

    def __new__(cls, mode=True):
        if callable(mode):  # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self._target = not mode
        self._inf = mode

    def __enter__(self):
        super().__enter__()
        self._prev_inf = _mode.inference
        _mode.inference = self._inf

    def __exit__(self, *exc):
        _mode.inference = self._prev_inf
        return super().__exit__(*exc)

    def __call__(self, fn):
        if isinstance(fn, bool):
            return inference_mode(fn)
        mode = self._inf

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper
