"""A view whose base (or another view of the base) is modified in place afterwards: PyTorch
regenerates the view's grad_fn from the base's new history (AsStridedBackward0), so gradients
through the view see the in-place op. Each case runs in both libraries: gradients, grad_fn
names, next_functions, requires_grad, and the errors for views made in no_grad mode."""

import pytest

import torchlet


def _name(fn):
    return None if fn is None else type(fn).__name__


def _base_then_view_grad(m, op):
    """x -> a = x.clone(); v = a[0] (and w = a.view(12), t = a.t()); op(a); backward of v."""
    x = m.arange(12.0).reshape(3, 4).requires_grad_()
    a = x.clone()
    v, w, t = a[0], a.view(12), a.t()
    op(a)
    names = (_name(v.grad_fn), _name(w.grad_fn), _name(t.grad_fn), _name(a.grad_fn))
    nexts = [_name(f[0]) for f in v.grad_fn.next_functions]
    (v * v).sum().backward()
    return names, nexts, x.grad.tolist()


@pytest.mark.parametrize("op", ["mul_", "add_", "exp_"])
def test_view_sees_a_later_inplace_on_its_base(torch, op):
    fn = {"mul_": lambda a: a.mul_(2), "add_": lambda a: a.add_(1), "exp_": lambda a: a.div_(10).exp_()}[op]
    ours, theirs = _base_then_view_grad(torchlet, fn), _base_then_view_grad(torch, fn)
    assert ours[:2] == theirs[:2]
    assert sum(ours[2], []) == pytest.approx(sum(theirs[2], []), rel=1e-6)


def _two_views(m):
    x = m.ones(3, 4, requires_grad=True)
    a = x.clone()
    v0, v1 = a[0], a[1]
    v1.mul_(5)  # in place on one view: the other's grad_fn is regenerated too
    names = (_name(v0.grad_fn), _name(v1.grad_fn), _name(a.grad_fn))
    (v0.sum() + 3 * v1.sum()).backward()
    return names, x.grad.tolist()


def _chained(m):
    x = m.ones(3, 4, requires_grad=True)
    a = x.clone()
    r = a[0]
    s = r[1:3]
    a.mul_(3)
    names = (_name(s.grad_fn), _name(r.grad_fn))
    s.sum().backward()
    return names, x.grad.tolist()


def _base_gains_grad(m):
    p = m.ones(4, requires_grad=True)
    b = m.zeros(3, 4)
    u = b[1]
    b.add_(p * 2)  # b now requires grad; u was made before
    out = (_name(u.grad_fn), u.requires_grad, u.is_leaf)
    u.sum().backward()
    return out, p.grad.tolist()


def _leaf_changed_under_no_grad(m):
    w = m.ones(3, 4, requires_grad=True)
    wt = w.t()
    with m.no_grad():
        w.mul_(2)  # an optimizer's step
    name = _name(wt.grad_fn)
    (wt * wt).sum().backward()
    return name, w.grad.tolist()


@pytest.mark.parametrize(
    "case",
    [
        _two_views,  # in place on one view: the other views' grad_fn are regenerated too
        _chained,  # a view of a view replays both
        _base_gains_grad,  # a base that gains grad gives its (asked) views a history
        _leaf_changed_under_no_grad,  # an optimizer's step on a leaf
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_case_as_pytorch(torch, case):
    assert case(torchlet) == case(torch)


def _untouched(m):
    x = m.ones(3, 4, requires_grad=True)
    a = x.clone()
    v = a[0]
    return _name(v.grad_fn), _name(a.detach().grad_fn), a.detach().requires_grad


def test_views_of_unchanged_bases_keep_their_node(torch):
    assert _untouched(torchlet) == _untouched(torch) == ("SelectBackward0", None, False)


@pytest.mark.parametrize("m_name", ["torch", "torchlet"])
@pytest.mark.parametrize("inplace_grad_mode", [True, False])
def test_no_grad_view_of_a_base_changed_raises(torch, m_name, inplace_grad_mode):
    """PyTorch's RuntimeError on grad_fn, then on use; requires_grad answers True. (PyTorch
    raises on use even before grad_fn is asked for; torchlet only once something asked.)"""
    m = torch if m_name == "torch" else torchlet
    x = m.ones(3, 4, requires_grad=True)
    for base in (x.clone(), x):
        with m.no_grad():
            v = base[0]
        with m.set_grad_enabled(inplace_grad_mode and base is not x):
            base.mul_(2)
        assert v.requires_grad
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and its base or another view"):
            v.grad_fn
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and its base or another view"):
            (v * 1).sum()


@pytest.mark.parametrize("m_name", ["torch", "torchlet"])
def test_no_grad_view_modified_with_grad_raises(torch, m_name):
    m = torch if m_name == "torch" else torchlet
    x = m.ones(3, 4, requires_grad=True)
    a = x.clone()
    with m.no_grad():
        v, u = a[0], x[:2]
    for view in (v, u):
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace"):
            view.mul_(2)
    assert a.tolist() == [[1.0] * 4] * 3  # nothing written
    b = m.ones(3)  # a base that needs no grad: allowed
    with m.no_grad():
        q = b[:2]
    q.mul_(2)
    with m.no_grad():  # both inside no_grad: allowed
        u.mul_(3)
    assert b.tolist() == [2.0, 2.0, 1.0] and x[0, 0].item() == 3.0


def test_no_grad_views_of_bases_without_grad_stay_quiet(torch):
    for m in (torch, torchlet):
        b = m.ones(3)
        with m.no_grad():
            v = b[:2]
        b.mul_(2)
        assert v.grad_fn is None and not v.requires_grad and v.tolist() == [2.0, 2.0]
        w = m.ones(3, requires_grad=True)
        with m.no_grad():
            u = w[:2]  # unchanged since: no error; a leaf that requires grad, as PyTorch makes it
        assert u.grad_fn is None and u.requires_grad and u.is_leaf
        (u * 3).sum().backward()
        assert u.grad is None and w.grad is None  # PyTorch's: the gradient goes nowhere
