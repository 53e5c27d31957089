"""Anomaly detection: while enabled, every graph node remembers the stack of
the forward call that made it, and the engine checks each backward result
for NaN ("Function 'MulBackward0' returned nan values in its 0th output.").
When a backward fails, the forward stack is shown as a UserWarning first.
"""

import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


class _State:
    enabled = False
    check_nan = True


_anomaly = _State()

_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging."
)


def is_anomaly_enabled():
    return _anomaly.enabled


def is_anomaly_check_nan_enabled():
    return _anomaly.check_nan


class detect_anomaly:
    """Context manager that turns anomaly detection on inside its block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = _anomaly.enabled
        self.prev_check_nan = _anomaly.check_nan
        warnings.warn(_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        _anomaly.enabled, _anomaly.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        _anomaly.enabled, _anomaly.check_nan = self.prev, self.prev_check_nan
        return False


class set_detect_anomaly:
    """Turns anomaly detection on or off; as a context manager, restores it on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _anomaly.enabled
        self.prev_check_nan = _anomaly.check_nan
        _anomaly.enabled, _anomaly.check_nan = bool(mode), check_nan

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _anomaly.enabled, _anomaly.check_nan = self.prev, self.prev_check_nan
        return False


def _check_nan(node, outs):
    """Raise if a backward result of `node` holds NaN (anomaly mode)."""
    for i, g in enumerate(outs):
        if g is not None and g._data.dtype.kind in "fc" and g._xp.isnan(g._data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _warn_forward_trace(node):
    """Before an anomaly-mode backward error propagates: where the node was made."""
    trace = node.__dict__.get("_trace")
    if trace:
        warnings.warn(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n" + "".join(trace),
            UserWarning,
            stacklevel=3,
        )
