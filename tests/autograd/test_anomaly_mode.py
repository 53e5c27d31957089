"""Anomaly mode against PyTorch: NaN in a backward result raises, the
forward trace is shown, check_nan=False turns the check off."""

import warnings

import numpy as np
import pytest

import torchlet
from tests.oracle import check_error


def nan_backward(m):
    x = m.tensor([0.0, 1.0], requires_grad=True)
    (x * float("nan")).sum().backward()
    return x.grad


def test_nan_raises_in_anomaly_mode(torch):
    def fn(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                nan_backward(m)

    eo, et = check_error(fn)
    assert str(eo) == str(et) == "Function 'MulBackward0' returned nan values in its 0th output."


@pytest.mark.filterwarnings("ignore:Error detected in")
def test_set_detect_anomaly(torch):
    def fn(m):
        with m.autograd.set_detect_anomaly(True):
            nan_backward(m)

    eo, et = check_error(fn)
    assert str(eo) == str(et)
    for m in (torchlet, torch):
        m.autograd.set_detect_anomaly(True)
        assert m.is_anomaly_enabled() if m is torch else m.autograd.is_anomaly_enabled()
        m.autograd.set_detect_anomaly(False)
        assert not (m.is_anomaly_enabled() if m is torch else m.autograd.is_anomaly_enabled())


def test_check_nan_false_and_off_by_default(torch):
    for m in (torchlet, torch):
        assert np.isnan(nan_backward(m).numpy()).all()
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            ctx = m.autograd.detect_anomaly(check_nan=False)
        with ctx:
            assert np.isnan(nan_backward(m).numpy()).all()


def test_forward_trace_warning_on_error():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with torchlet.autograd.detect_anomaly():
            with pytest.raises(RuntimeError):
                nan_backward(torchlet)
    msgs = [str(x.message) for x in w]
    assert any(
        s.startswith("Error detected in MulBackward0. Traceback of forward call") and "nan_backward" in s for s in msgs
    ), msgs


def test_node_base_class_and_grad_modes_exported():
    from torchlet.autograd import graph

    x = torchlet.tensor([1.0], requires_grad=True)
    assert isinstance((x * 2.0).grad_fn, graph.Node)
    assert torchlet.autograd.no_grad is torchlet.no_grad
    assert torchlet.autograd.enable_grad is torchlet.enable_grad
