"""Engine behaviour compared with PyTorch: accumulation, retain_graph,
create_graph, allow_unused, grad_outputs, hooks, graph structure, errors."""

import re
import warnings

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, check_error

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
B = np.array([1.0, -2.0, 0.5])


def leaves(m, *arrays):
    return [m.tensor(a, requires_grad=True) for a in arrays]


def both(torch, fn):
    """Run fn(module) in both libraries and compare what it returns."""
    assert_same(fn(torchlet), fn(torch))


def test_accumulates_across_backward_calls(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        for _ in range(3):
            (x * y).sum().backward()
        return x.grad, y.grad

    both(torch, fn)


def test_shared_input_gradients_add(torch):
    def fn(m):
        (x,) = leaves(m, B)
        (x * x + x * 3.0 - x / 2.0).sum().backward()
        return x.grad

    both(torch, fn)


def test_second_backward_without_retain_graph_raises(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        z = (x * y).sum()
        z.backward()
        z.backward()

    eo, et = check_error(fn)
    assert "Trying to backward through the graph a second time" in str(eo)


def test_retain_graph_allows_second_backward(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        z = (x * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        return x.grad, y.grad

    both(torch, fn)


def test_higher_order_derivatives_of_cube(torch):
    def fn(m):
        x = m.tensor(2.0, requires_grad=True)
        d1 = m.autograd.grad(x**3, x, create_graph=True)[0]
        d2 = m.autograd.grad(d1, x, create_graph=True)[0]
        d3 = m.autograd.grad(d2, x)[0]
        return d1, d2, d3, d3.requires_grad

    both(torch, fn)


def test_hessian_rows_with_create_graph(torch):
    def fn(m):
        (v,) = leaves(m, B)
        f = (v * v * v).sum() + (v * v).sum() * v.sum()
        g = m.autograd.grad(f, v, create_graph=True)[0]
        rows = []
        for i in range(3):
            e = m.tensor(np.eye(3)[i])
            rows.append(m.autograd.grad(g, v, e, retain_graph=True)[0])
        return g, rows

    both(torch, fn)


def test_backward_create_graph_then_grad_of_grad(torch):
    def fn(m):
        (x,) = leaves(m, B)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x**3).sum().backward(create_graph=True)
        gx = x.grad
        x.grad = None
        gx.sum().backward()
        return gx, x.grad

    both(torch, fn)


def test_allow_unused(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        return m.autograd.grad((x * 2.0).sum(), [x, y], allow_unused=True)

    both(torch, fn)

    def bad(m):
        x, y = leaves(m, A, B)
        m.autograd.grad((x * 2.0).sum(), [x, y])

    eo, _ = check_error(bad)
    assert "Set allow_unused=True" in str(eo)


def test_materialize_grads(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        return m.autograd.grad((x * 2.0).sum(), [x, y], materialize_grads=True)

    both(torch, fn)


def test_grad_outputs_for_non_scalar(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        z = x * y
        z.backward(m.tensor(A[::-1].copy()))
        g = m.autograd.grad(x.matmul(y), x, m.tensor([2.0, -1.0]))
        return x.grad, y.grad, g

    both(torch, fn)


def test_non_scalar_backward_needs_gradient(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        (x * y).backward()

    eo, et = check_error(fn)
    assert str(eo) == str(et) == "grad can be implicitly created only for scalar outputs"


def test_backward_on_tensor_without_grad_raises(torch):
    eo, et = check_error(lambda m: m.tensor(B).sum().backward())
    assert str(eo) == str(et)
    eo, et = check_error(lambda m: m.autograd.backward([leaves(m, B)[0].sum(), m.tensor(B).sum()]))
    assert str(eo) == str(et)
    eo, et = check_error(lambda m: m.autograd.grad(leaves(m, B)[0].sum(), m.tensor(B)))
    assert str(eo) == str(et)


def test_grad_output_shape_mismatch_raises(torch):
    check_error(lambda m: (leaves(m, A)[0] * 2.0).backward(m.ones(3, dtype=m.float64)))


def test_backward_inputs_only_accumulates_there(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        (x * y).sum().backward(inputs=[y])
        return x.grad, y.grad

    both(torch, fn)


def test_tensor_hooks_modify_gradients(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        seen = []
        x.register_hook(lambda g: g * 10.0)
        z = x * y
        h = z.register_hook(lambda g: seen.append(g.clone()) or g + 1.0)
        z.sum().backward(retain_graph=True)
        h.remove()
        z.sum().backward()
        return x.grad, y.grad, seen

    both(torch, fn)


def test_retain_grad_runs_after_hooks(torch):
    def fn(m):
        (x,) = leaves(m, B)
        z = x * 2.0
        z.retain_grad()
        z.register_hook(lambda g: g * 10.0)
        (z * z).sum().backward()
        return z.grad, x.grad, z.retains_grad, x.retains_grad

    both(torch, fn)


def test_non_leaf_grad_access_warns(torch):
    for m in (torchlet, torch):
        (x,) = leaves(m, B)
        z = x * 2.0
        with pytest.warns(UserWarning, match="not a leaf Tensor"):
            assert z.grad is None


def test_node_hooks(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        z = x * y
        calls = []
        z.grad_fn.register_prehook(lambda go: (go[0] * 2.0,))
        z.grad_fn.register_hook(lambda gi, go: calls.append((len(gi), len(go))))
        z.sum().backward()
        return x.grad, y.grad, calls

    both(torch, fn)


def test_next_functions_structure(torch):
    for m in (torchlet, torch):
        x, y = leaves(m, A, B)
        c = m.tensor(B)
        z = (x * y + c).sum()
        add = z.grad_fn.next_functions[0][0]
        assert type(z.grad_fn).__name__ == "SumBackward0"
        assert type(add).__name__ == "AddBackward0"
        assert add.next_functions[1] == (None, 0)
        mul = add.next_functions[0][0]
        assert type(mul).__name__ == "MulBackward0"
        acc_x, acc_y = mul.next_functions
        assert type(acc_x[0]).__name__ == "AccumulateGrad" and acc_x[1] == 0
        assert acc_x[0].variable is x and acc_y[0].variable is y
        assert re.fullmatch(
            r"\(\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\), "
            r"\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\)\)",
            str(mul.next_functions),
        )
        assert mul.name() == "MulBackward0"
        assert x.grad_fn is None and x.is_leaf and not z.is_leaf


def test_requires_grad_propagation(torch):
    def fn(m):
        x = m.tensor(A, requires_grad=True)
        c = m.tensor(B)
        r = [
            (c * 2.0).requires_grad,
            (x + c).requires_grad,
            (x * 0.0).requires_grad,
            x.detach().requires_grad,
            (c + c).is_leaf,
            (x + c).is_leaf,
        ]
        with m.no_grad():
            r.append((x * 2.0).requires_grad)
        r.append(m.tensor(B).requires_grad_().is_leaf)
        return r

    both(torch, fn)


def test_requires_grad_flag_errors(torch):
    check_error(lambda m: m.tensor([1, 2]).requires_grad_())
    check_error(lambda m: setattr(leaves(m, B)[0] * 2.0, "requires_grad", False))


def test_detach_shares_memory_and_version(torch):
    for m in (torchlet, torch):
        (x,) = leaves(m, B)
        d = x.detach()
        d.mul_(2.0)
        assert x.tolist() == (B * 2.0).tolist()
        y = x.clone()
        z = y * y
        y.detach().add_(1.0)  # bumps y's version through the shared counter
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_data_does_not_share_version(torch):
    def fn(m):
        (x,) = leaves(m, B)
        y = x.clone()
        z = y * y
        y.data.mul_(2.0)  # not seen by autograd
        z.sum().backward()
        return x.grad

    both(torch, fn)


def test_inplace_on_saved_tensor_raises(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        a = x * 1.0
        z = a * y
        a.add_(1.0)
        z.sum().backward()

    eo, _ = check_error(fn)
    assert "one of the variables needed for gradient computation has been modified by an inplace operation" in str(eo)


def test_leaf_inplace_raises(torch):
    eo, et = check_error(lambda m: leaves(m, B)[0].add_(1.0))
    assert "leaf Variable that requires grad" in str(eo)


def test_leaf_inplace_under_no_grad_is_allowed(torch):
    def fn(m):
        (x,) = leaves(m, B)
        with m.no_grad():
            x.mul_(3.0)
        (x * x).sum().backward()
        return x, x.grad

    both(torch, fn)


def test_grad_setter_validation(torch):
    check_error(lambda m: setattr(leaves(m, B)[0], "grad", m.zeros(2, dtype=m.float64)))
    check_error(lambda m: setattr(leaves(m, B)[0], "grad", m.zeros(3, dtype=m.float32)))
    check_error(lambda m: setattr(leaves(m, B)[0], "grad", 3.0))

    def fn(m):
        (x,) = leaves(m, B)
        x.grad = m.ones(3, dtype=m.float64)
        (x * 2.0).sum().backward()
        g = x.grad
        del x.grad
        return g, x.grad

    both(torch, fn)


def test_grad_does_not_alias_user_gradient(torch):
    def fn(m):
        x, c = leaves(m, B)[0], m.tensor(B)
        g = m.ones(3, dtype=m.float64)
        (x + c).backward(g)
        (x + c).backward(g)
        return g, x.grad

    both(torch, fn)


def test_same_gradient_to_two_leaves_not_shared(torch):
    def fn(m):
        x, y = leaves(m, B, B)
        (x + y).sum().backward()
        x.grad.add_(5.0)
        return x.grad, y.grad

    both(torch, fn)


def test_multiple_roots(torch):
    def fn(m):
        x, y = leaves(m, A, B)
        m.autograd.backward([(x * y).sum(), (x * 3.0).sum()])
        return x.grad, y.grad

    both(torch, fn)


def test_mm_graph_names(torch):
    for m in (torchlet, torch):
        x, w = leaves(m, A, A.T.copy())
        assert type(x.mm(w).grad_fn).__name__ == "MmBackward0"
        assert type((x + 1.0).grad_fn).__name__ == "AddBackward0"
