"""Grad modes against PyTorch: context managers, decorators, function form."""

import numpy as np

import torchlet
from tests.oracle import assert_same, check_error

B = np.array([0.5, -1.0, 2.0])


def test_context_managers_and_decorators(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        r = []
        with m.no_grad():
            r.append((x * 2.0).requires_grad)
            r.append(m.is_grad_enabled())
            with m.enable_grad():
                r.append((x * 2.0).requires_grad)
            r.append(m.is_grad_enabled())
        with m.set_grad_enabled(False):
            r.append((x * 2.0).requires_grad)
        with m.inference_mode():
            r.append((x * 2.0).requires_grad)
            r.append(m.is_inference_mode_enabled())
        with m.inference_mode(False):
            r.append((x * 2.0).requires_grad)

        @m.no_grad()
        def f1(t):
            return (t * 2.0).requires_grad

        @m.no_grad
        def f2(t):
            return (t * 2.0).requires_grad

        @m.enable_grad()
        def f3(t):
            return (t * 2.0).requires_grad

        @m.inference_mode()
        def f4(t):
            return (t * 2.0).requires_grad

        @m.set_grad_enabled(False)
        def f5(t):
            return (t * 2.0).requires_grad

        r += [f1(x), f2(x), m.is_grad_enabled(), f4(x), f5(x), m.is_grad_enabled()]
        with m.no_grad():
            r.append(f3(x))
        r.append(m.is_grad_enabled())
        return r

    assert_same(fn(torchlet), fn(torch))


def test_set_grad_enabled_as_function(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        m.set_grad_enabled(False)
        try:
            r = [(x * 2.0).requires_grad, m.is_grad_enabled()]
        finally:
            m.set_grad_enabled(True)
        r += [(x * 2.0).requires_grad, m.is_grad_enabled()]
        return r

    assert_same(fn(torchlet), fn(torch))


def test_mode_restored_after_exception(torch):
    for m in (torchlet, torch):
        try:
            with m.no_grad():
                raise ValueError
        except ValueError:
            pass
        assert m.is_grad_enabled()


def test_set_grad_enabled_needs_bool(torch):
    check_error(lambda m: m.set_grad_enabled(1))


def test_autograd_namespace_aliases():
    assert torchlet.autograd.no_grad is torchlet.no_grad
    assert torchlet.autograd.set_grad_enabled is torchlet.set_grad_enabled
