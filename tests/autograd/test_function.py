"""Custom autograd.Function against PyTorch: ctx behaviour, node naming,
multiple outputs, dirty/non-differentiable outputs, errors."""

import re

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, check_error

B = np.array([0.5, -1.0, 2.0])


def _make(m, kind):
    """The same Function subclass written against module m."""
    F = m.autograd.Function

    class Scale(F):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.save_for_backward(x)
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            ctx.seen_needs = ctx.needs_input_grad
            return g * ctx.k * x, None

    class Split(F):  # two outputs, one of them integer and non differentiable
        @staticmethod
        def forward(ctx, x):
            idx = m.arange(3)
            ctx.mark_non_differentiable(idx)
            return x * 2.0, idx, x.sum()

        @staticmethod
        def backward(ctx, g1, g2, g3):
            ctx.got = (g1, g2, g3)
            return g1 * 2.0 + g3

    class Double(F):  # in place, mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    class Ident(F):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    class NoMat(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.second_is_none = g2 is None
            return g1 * 2.0

    class NewStyle(F):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * ctx.k + out * 0.0, None

    class Cube(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3.0 * x * x

    class Once(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2.0 * x * g

    return locals()[kind]


def both(torch, fn):
    assert_same(fn(torchlet), fn(torch))


def test_basic_function_and_ctx(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        Scale = _make(m, "Scale")
        y = Scale.apply(x, 3.0)
        node = y.grad_fn
        y.sum().backward()
        return (
            y,
            x.grad,
            type(node).__name__,
            node.seen_needs,
            node.k,
            len(node.next_functions),
            type(node.next_functions[0][0]).__name__,
        )

    both(torch, fn)


def test_node_repr_as_torch(torch):
    for m in (torchlet, torch):
        y = _make(m, "Scale").apply(m.tensor(B, requires_grad=True), 2.0)
        assert re.fullmatch(r"<torch\.autograd\.function\.ScaleBackward object at 0x[0-9a-f]+>", repr(y.grad_fn))


def test_saved_tensors_freed_after_backward(torch):
    def fn(m):
        y = _make(m, "Scale").apply(m.tensor(B, requires_grad=True), 2.0)
        y.sum().backward()
        y.grad_fn.saved_tensors

    eo, et = check_error(fn)
    assert str(eo) == str(et)


def test_saved_tensor_modified_in_place(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True).clone()
        y = _make(m, "Scale").apply(x, 2.0)
        x.add_(1.0)
        y.sum().backward()

    eo, _ = check_error(fn)
    assert "modified by an inplace operation" in str(eo)


def test_multiple_outputs_non_differentiable(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        a, idx, s = _make(m, "Split").apply(x)
        node = a.grad_fn
        r = [idx.requires_grad, s.grad_fn is node, a.grad_fn is node]
        (a * s).sum().backward()
        return r, x.grad, node.got

    both(torch, fn)


def test_mark_dirty(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        b = x.clone()
        c = _make(m, "Double").apply(b)
        (c * c).sum().backward()
        return c is b, type(b.grad_fn).__name__, b, x.grad

    both(torch, fn)
    check_error(lambda m: _make(m, "Double").apply(m.tensor(B, requires_grad=True)))


def test_input_returned_unchanged_is_alias(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        y = _make(m, "Ident").apply(x)
        r = [y is x, y.data_ptr() == x.data_ptr(), y.requires_grad]
        y.sum().backward()
        return r, x.grad

    both(torch, fn)


def test_set_materialize_grads_false(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        p, q = _make(m, "NoMat").apply(x)
        p.sum().backward()
        return x.grad, p.grad_fn.second_is_none

    both(torch, fn)


def test_setup_context_style(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        NS = _make(m, "NewStyle")
        NS.apply(x).sum().backward()
        NS.apply(x, k=5.0).sum().backward()
        return x.grad

    both(torch, fn)


def test_no_graph_without_grad(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        Scale = _make(m, "Scale")
        with m.no_grad():
            a = Scale.apply(x, 2.0)
        b = Scale.apply(m.tensor(B), 2.0)
        return a.requires_grad, a.grad_fn is None, b.requires_grad, a

    both(torch, fn)


def test_double_backward_through_function(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        y = _make(m, "Cube").apply(x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg

    both(torch, fn)


def test_gradcheck_custom_function():
    x = torchlet.tensor(B, requires_grad=True)
    Cube = _make(torchlet, "Cube")
    assert torchlet.autograd.gradcheck(lambda t: Cube.apply(t), (x,))
    assert torchlet.autograd.gradgradcheck(lambda t: Cube.apply(t), (x,))


def test_once_differentiable(torch):
    def fn(m):
        x = m.tensor(B, requires_grad=True)
        Once = _make(m, "Once")
        (g,) = m.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
        v = m.tensor(B, requires_grad=True)
        (g2,) = m.autograd.grad(Once.apply(x), x, v, create_graph=True)
        return g, g.requires_grad, g2.requires_grad

    both(torch, fn)

    def twice(m):
        x = m.tensor(B, requires_grad=True)
        v = m.tensor(B, requires_grad=True)
        (g2,) = m.autograd.grad(_make(m, "Once").apply(x), x, v, create_graph=True)
        g2.sum().backward()

    eo, et = check_error(twice)
    assert str(eo) == str(et)


def _bad(m, ret, n_inputs=1, shape=(2, 3)):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, *rest):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return ret(m, g)

    x = m.ones(*shape, dtype=m.float64, requires_grad=True)
    extra = [m.ones(*shape, dtype=m.float64), 2][: n_inputs - 1]
    Bad.apply(x, *extra).sum().backward()
    return x.grad


@pytest.mark.parametrize(
    "case",
    [
        dict(ret=lambda m, g: (g, g)),  # too many
        dict(ret=lambda m, g: g, n_inputs=2),  # too few
        dict(ret=lambda m, g: (g, g), n_inputs=3),  # gradient for a non-tensor input
        dict(ret=lambda m, g: m.ones(4, dtype=m.float64)),  # wrong shape
        dict(ret=lambda m, g: m.ones(1, 1, dtype=m.float64)),
        dict(ret=lambda m, g: 5),  # not a tensor
    ],
)
def test_bad_backward_results(torch, case):
    eo, et = check_error(_bad, **case)
    assert str(eo) == str(et)


def test_extra_none_gradients_and_broadcast_gradient(torch):
    both(torch, lambda m: _bad(m, lambda m, g: (g, None)))
    both(torch, lambda m: _bad(m, lambda m, g: m.ones(4, 2, 3, dtype=m.float64)))


def test_function_exports():
    from torchlet.autograd import Function, function

    assert function.Function is Function
    assert issubclass(
        type(_make(torchlet, "Scale").apply(torchlet.tensor(B, requires_grad=True), 1.0).grad_fn),
        torchlet.autograd.graph.Node,
    )
