"""The Module system against PyTorch: registration, naming, state_dict, hooks, modes."""

import copy
import pickle

import numpy as np
import pytest

from tests.oracle import check_error


def _pair(torch):
    import torchlet

    return torchlet, torch


def _nested(m):
    nn = m.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 4)
            self.register_buffer("scale", m.ones(4))
            self.register_buffer("tmp", m.zeros(2), persistent=False)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.lin(x)) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Block()
            self.body = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
            self.head = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.extra = nn.Parameter(m.zeros(2))
            self.shared = self.body[0]

        def forward(self, x):
            x = self.body(self.first(x))
            for h in self.head:
                x = h(x)
            return x + self.extra

    return Net()


def _sync(ours, theirs):
    import torchlet

    ours.load_state_dict({k: torchlet.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def test_names_order_and_sharing(torch):
    import torchlet

    a, b = _nested(torchlet), _nested(torch)
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    assert [n for n, _ in a.named_parameters(remove_duplicate=False)] == [
        n for n, _ in b.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in a.named_buffers()] == [n for n, _ in b.named_buffers()]
    assert [n for n, _ in a.named_modules()] == [n for n, _ in b.named_modules()]
    assert [n for n, _ in a.named_children()] == [n for n, _ in b.named_children()]
    assert [n for n, _ in a.named_parameters(prefix="p", recurse=False)] == [
        n for n, _ in b.named_parameters(prefix="p", recurse=False)
    ]
    assert len(list(a.parameters())) == len(list(b.parameters()))
    assert len(list(a.modules())) == len(list(b.modules()))
    assert list(a.state_dict().keys()) == list(b.state_dict().keys())
    assert list(a.state_dict()._metadata.items()) == list(b.state_dict()._metadata.items())


def test_repr_matches(torch):
    import torchlet

    assert repr(_nested(torchlet)) == repr(_nested(torch))
    for mk in (
        lambda m: m.nn.ModuleList([m.nn.Linear(2, 2), m.nn.Linear(2, 2), m.nn.ReLU()]),
        lambda m: m.nn.ModuleDict({"a": m.nn.ReLU(), "b": m.nn.Sequential()}),
        lambda m: m.nn.Sequential(),
        lambda m: m.nn.ModuleList(),
    ):
        assert repr(mk(torchlet)) == repr(mk(torch))
    pl = lambda m: m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3)), m.nn.Parameter(m.ones(2, dtype=m.float64))])
    assert repr(pl(torchlet)) == repr(pl(torch)).replace("torch.", "torchlet.")
    pd = lambda m: m.nn.ParameterDict({"b": m.nn.Parameter(m.ones(2, 3)), "a": m.zeros(3)})
    assert repr(pd(torchlet)) == repr(pd(torch))
    assert repr(torchlet.nn.Parameter(torchlet.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


def test_forward_matches_after_loading(torch):
    import torchlet

    a, b = _nested(torchlet), _nested(torch)
    _sync(a, b)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    xa, xb = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = a(xa), b(xb)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


def test_load_state_dict_results_and_errors(torch):
    import torchlet

    for m in (torchlet, torch):
        lin = m.nn.Linear(2, 3)
        assert repr(lin.load_state_dict(lin.state_dict())) == "<All keys matched successfully>"
    ra = torchlet.nn.Linear(2, 3).load_state_dict({"weight": torchlet.ones(3, 2), "x": torchlet.ones(1)}, strict=False)
    rb = torch.nn.Linear(2, 3).load_state_dict({"weight": torch.ones(3, 2), "x": torch.ones(1)}, strict=False)
    assert repr(ra) == repr(rb) and ra.missing_keys == rb.missing_keys
    for sd in (
        {"weight": (3, 2)},
        {"weight": (2, 2), "bias": (3,)},
        {"weight": (3, 2), "bias": (3,), "zz": (1,), "a.b": (1,)},
    ):
        errs = []
        for m in (torchlet, torch):
            try:
                m.nn.Linear(2, 3).load_state_dict({k: m.ones(*v) for k, v in sd.items()})
            except RuntimeError as e:
                errs.append(str(e).replace("torchlet.", "torch."))
        assert len(errs) == 2 and errs[0] == errs[1]
    check_error(lambda m: m.nn.Linear(2, 3).load_state_dict([1, 2]))


def test_load_state_dict_copies_in_place(torch):
    import torchlet

    lin = torchlet.nn.Linear(2, 3)
    w = lin.weight
    lin.load_state_dict({"weight": torchlet.ones(3, 2), "bias": torchlet.zeros(3)})
    assert lin.weight is w and lin.weight.requires_grad and (w == 1).all()
    lin.load_state_dict({"weight": torchlet.full((3, 2), 2.0), "bias": torchlet.zeros(3)}, assign=True)
    assert lin.weight is not w and isinstance(lin.weight, torchlet.nn.Parameter)


def test_state_dict_detached_and_keep_vars(torch):
    import torchlet

    lin = torchlet.nn.Linear(2, 3)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad and not isinstance(sd["weight"], torchlet.nn.Parameter)
    sd["weight"][0, 0] = 5.0  # shares memory like torch
    assert lin.weight[0, 0].item() == 5.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    assert list(lin.state_dict(prefix="m.").keys()) == ["m.weight", "m.bias"]


def test_setattr_errors(torch):
    def early(m):
        class Bad(m.nn.Module):
            def __init__(self):
                self.w = m.nn.Parameter(m.ones(1))

        Bad()

    eo, et = check_error(early)
    assert str(eo) == str(et)

    def tensor_as_param(m):
        lin = m.nn.Linear(2, 2)
        lin.weight = m.ones(2, 2)

    check_error(tensor_as_param)
    check_error(lambda m: m.nn.Linear(2, 2).register_parameter("a.b", None))
    check_error(lambda m: m.nn.Linear(2, 2).register_buffer("weight", m.ones(1)))
    check_error(lambda m: m.nn.Linear(2, 2).add_module("x", 3))
    check_error(lambda m: m.nn.Linear(2, 2).register_buffer("b", [1]))
    check_error(lambda m: m.nn.Linear(2, 2).nope)
    eo, et = check_error(lambda m: m.nn.Linear(2, 2).nope)
    assert str(eo) == str(et)
    check_error(lambda m: m.nn.Module(3))


def test_attribute_moves_between_dicts(torch):
    import torchlet

    for m in (torchlet, torch):
        mod = m.nn.Module()
        mod.a = m.nn.Parameter(m.ones(1))
        mod.a = None
        assert "a" in mod._parameters and mod.a is None
        mod.b = m.nn.Linear(1, 1)
        del mod.b
        assert "b" not in mod._modules
        mod.c = m.ones(1)  # plain tensor -> plain attribute
        assert "c" not in mod._buffers
        mod.register_buffer("d", m.ones(1))
        mod.d = m.zeros(1)
        assert "d" in mod._buffers
        assert "a" in dir(mod) and "d" in dir(mod)


def test_get_submodule_parameter_buffer(torch):
    import torchlet

    a, b = _nested(torchlet), _nested(torch)
    assert a.get_submodule("body.0") is a.body[0]
    assert a.get_parameter("first.lin.weight") is a.first.lin.weight
    assert a.get_buffer("first.scale") is a.first.scale
    for call in (
        lambda n: n.get_submodule("body.9"),
        lambda n: n.get_submodule("extra"),
        lambda n: n.get_parameter("first.scale"),
        lambda n: n.get_buffer("first.lin.weight"),
    ):
        ea = eb = None
        try:
            call(a)
        except AttributeError as e:
            ea = str(e)
        try:
            call(b)
        except AttributeError as e:
            eb = str(e)
        assert ea == eb and ea is not None


def test_train_eval_propagation(torch):
    import torchlet

    net = _nested(torchlet)
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.first.train(False)
    assert not net.first.lin.training and net.body.training
    check_error(lambda m: m.nn.Linear(1, 1).train("yes"))


def test_zero_grad_and_requires_grad(torch):
    import torchlet

    lin = torchlet.nn.Linear(2, 2)
    lin(torchlet.ones(1, 2)).sum().backward()
    lin.zero_grad(set_to_none=False)
    assert (lin.weight.grad == 0).all()
    lin.zero_grad()
    assert lin.weight.grad is None
    assert lin.requires_grad_(False) is lin and not lin.weight.requires_grad


def test_to_and_dtype_casts(torch):
    import torchlet

    net = _nested(torchlet)
    w = net.first.lin.weight
    assert net.double() is net
    assert w.dtype is torchlet.float64 and net.first.lin.weight is w
    assert net.first.scale.dtype is torchlet.float64
    net.to(torchlet.float32)
    assert w.dtype is torchlet.float32
    net.half().float()
    assert w.dtype is torchlet.float32 and isinstance(w, torchlet.nn.Parameter)
    assert net.to("cpu") is net and net.cpu() is net
    check_error(lambda m: m.nn.Linear(1, 1).to(m.int64))
    lin = torchlet.nn.Linear(2, 2)
    lin(torchlet.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype is torchlet.float64


def test_apply_and_children(torch):
    import torchlet

    seen = []
    net = _nested(torchlet)
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    seen_t = []
    _nested(torch).apply(lambda m: seen_t.append(type(m).__name__))
    assert seen == seen_t


def _hooked(m, log):
    lin = m.nn.Linear(3, 2)
    lin.register_forward_pre_hook(lambda mod, args: log.append(("pre", tuple(args[0].shape))))
    lin.register_forward_hook(lambda mod, args, out: log.append(("fwd", tuple(out.shape))))
    lin.register_forward_hook(lambda mod, args, kwargs, out: log.append(("fwdkw", sorted(kwargs))), with_kwargs=True)
    lin.register_forward_pre_hook(lambda mod, args: log.append(("first",)), prepend=True)
    return lin


def test_forward_hooks_order_and_args(torch):
    import torchlet

    la, lb = [], []
    _hooked(torchlet, la)(torchlet.ones(4, 3))
    _hooked(torch, lb)(torch.ones(4, 3))
    assert la == lb


def test_hooks_modify_and_remove(torch):
    import torchlet

    res = []
    for m in (torchlet, torch):
        lin = m.nn.Linear(3, 2)
        with m.no_grad():
            lin.weight.fill_(1.0)
            lin.bias.fill_(0.0)
        h1 = lin.register_forward_pre_hook(lambda mod, args: args[0] * 2)
        h2 = lin.register_forward_hook(lambda mod, args, out: out + 1)
        r1 = lin(m.ones(1, 3)).tolist()
        h1.remove()
        h2.remove()
        r2 = lin(m.ones(1, 3)).tolist()
        res.append((r1, r2))
    assert res[0] == res[1]


@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hook(input_grad, torch):
    import torchlet

    out = []
    for m in (torchlet, torch):
        log = []
        lin = m.nn.Linear(3, 2)
        with m.no_grad():
            lin.weight.copy_(m.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]))
        lin.register_full_backward_hook(
            lambda mod, gi, go: log.append(
                ("bw", [None if g is None else g.tolist() for g in gi], [g.tolist() for g in go])
            )
        )
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", [g.tolist() for g in go])))
        x = m.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], requires_grad=input_grad)
        y = lin(x)
        (y * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        out.append(log)
    assert out[0] == out[1]


def test_full_backward_hook_replaces_grad_input(torch):
    import torchlet

    res = []
    for m in (torchlet, torch):
        act = m.nn.Tanh()
        act.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
        x = m.tensor([0.5, -1.0], requires_grad=True)
        act(x).sum().backward()
        res.append(x.grad.tolist())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def test_direct_forward_and_missing_forward(torch):
    import torchlet

    lin = torchlet.nn.Linear(2, 2)
    x = torchlet.ones(1, 2)
    assert (lin.forward(x) == lin(x)).all()
    check_error(lambda m: m.nn.Module()(1))


def test_deepcopy_and_pickle(torch):
    import torchlet

    net = _nested(torchlet)
    c = copy.deepcopy(net)
    assert isinstance(c.first.lin.weight, torchlet.nn.Parameter)
    assert c.shared is c.body[0]
    assert c.first.lin.weight is not net.first.lin.weight
    assert (c.first.lin.weight == net.first.lin.weight).all()
    p = pickle.loads(pickle.dumps(torchlet.nn.Parameter(torchlet.ones(2), requires_grad=False)))
    assert type(p) is torchlet.nn.Parameter and not p.requires_grad


def test_parameter_basics(torch):
    import torchlet

    t = torchlet.ones(3)
    p = torchlet.nn.Parameter(t)
    assert p.requires_grad and p.is_leaf
    assert str(type(p)) == "<class 'torchlet.nn.parameter.Parameter'>"
    with torchlet.no_grad():
        p[0] = 5.0
    assert t[0].item() == 5.0  # shares memory
    assert type(p * 2) is torchlet.Tensor
    assert type(p.data) is torchlet.Tensor
    check_error(lambda m: m.nn.Parameter(m.ones(2, dtype=m.long)))


def test_sequential_api(torch):
    import torchlet
    from collections import OrderedDict

    for m in (torchlet, torch):
        s = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU(), m.nn.Linear(3, 1))
        assert isinstance(s[-1], m.nn.Linear) and len(s) == 3
        assert isinstance(s[1:], m.nn.Sequential) and len(s[1:]) == 2
        s.append(m.nn.Sigmoid())
        s.insert(0, m.nn.Identity())
        s.extend([m.nn.Tanh()])
        del s[0]
        s[0] = m.nn.Linear(2, 3)
        assert s.pop(-1).__class__.__name__ == "Tanh"
        t = s + m.nn.Sequential(m.nn.ReLU())
        assert [k for k in t._modules] == ["0", "1", "2", "3", "4"]
        o = m.nn.Sequential(OrderedDict([("a", m.nn.ReLU()), ("b", m.nn.Tanh())]))
        assert [n for n, _ in o.named_children()] == ["a", "b"]
    assert repr(torchlet.nn.Sequential(torchlet.nn.ReLU()) * 2) == repr(torch.nn.Sequential(torch.nn.ReLU()) * 2)
    check_error(lambda m: m.nn.Sequential(m.nn.ReLU())[3])
    check_error(lambda m: m.nn.Sequential(m.nn.ReLU()) + 3)


def test_module_list_dict_param_containers(torch):
    import torchlet

    ml = torchlet.nn.ModuleList([torchlet.nn.Linear(1, 1)])
    ml.append(torchlet.nn.ReLU())
    ml += [torchlet.nn.Tanh()]
    ml.insert(0, torchlet.nn.Identity())
    assert [type(x).__name__ for x in ml] == ["Identity", "Linear", "ReLU", "Tanh"]
    assert len(ml[1:3]) == 2 and isinstance(ml[-1], torchlet.nn.Tanh)
    md = torchlet.nn.ModuleDict({"a": torchlet.nn.ReLU()})
    md["b"] = torchlet.nn.Linear(2, 2)
    assert list(md.keys()) == ["a", "b"] and "b" in md and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ["b.weight", "b.bias"]
    pl = torchlet.nn.ParameterList([torchlet.ones(2)])
    pl.append(torchlet.nn.Parameter(torchlet.zeros(3)))
    assert isinstance(pl[0], torchlet.nn.Parameter) and len(pl) == 2
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pd = torchlet.nn.ParameterDict({"w": torchlet.ones(2)})
    assert isinstance(pd["w"], torchlet.nn.Parameter) and list(pd.keys()) == ["w"]
    assert [n for n, _ in pd.named_parameters()] == ["w"]
    check_error(lambda m: m.nn.ParameterList()(1))
