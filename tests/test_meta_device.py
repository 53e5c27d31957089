"""The meta device against PyTorch: creation and `.to("meta")`, shapes and dtypes through ops and
their backward, printing, `.is_meta`, the errors when data is read or devices are mixed,
Module.to("meta") / to_empty, and the model-ensembling tutorial (tests/func/programs)."""

import copy
import os
import subprocess
import sys

import numpy as np
import pytest

import torchlet
from conftest import require


def _both(torch, fn):
    return fn(torchlet), fn(torch)


def _text(t):
    return repr(t).replace("torch.", "torchlet.")


def _same_meta(ours, theirs):
    assert ours.is_meta and theirs.is_meta
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).replace("torchlet.", "torch.") == str(theirs.dtype)
    assert repr(ours) == _text(theirs)


def test_device_and_printing(torch):
    assert repr(torchlet.device("meta")) == repr(torch.device("meta"))
    cases = [
        lambda m: m.empty(3, 4, device="meta"),
        lambda m: m.zeros(2, dtype=m.int64, device="meta"),
        lambda m: m.ones((), device="meta"),
        lambda m: m.randn(0, device="meta"),
        lambda m: m.randn(2, 0, 3, device="meta"),
        lambda m: m.full((2, 2), True, device="meta"),
        lambda m: m.tensor([[1.0, 2.0]]).to("meta"),
        lambda m: m.arange(6, dtype=m.float16).to(device="meta"),
        lambda m: m.randn(3, device="meta", requires_grad=True),
        lambda m: m.nn.Parameter(m.randn(2, 3).to("meta")),
    ]
    for make in cases:
        ours, theirs = _both(torch, make)
        _same_meta(ours, theirs)
        assert str(ours.device) == str(theirs.device) == "meta"
        assert ours.device == torchlet.device("meta") and not ours.is_cpu
    assert not torchlet.ones(2).is_meta


def test_meta_creation_allocates_nothing():
    """Creation on meta allocates nothing: a huge meta tensor is instant and tiny."""
    t = torchlet.empty(10**6, 10**6, device="meta")
    assert t.shape == (10**6, 10**6) and t._data.nbytes > 0
    assert t._data.base is not None and not any(t._data.strides)


OPS = {
    "add_broadcast": lambda m, a, b: a + b[0],
    "matmul": lambda m, a, b: a @ b.T,
    "cast": lambda m, a, b: (a > b).to(m.int32).sum(0),
    "reduce": lambda m, a, b: a.mean(1, keepdim=True) * b.amax(),
    "softmax": lambda m, a, b: m.softmax(a, -1),
    "cat_view": lambda m, a, b: m.cat([a, b]).view(-1, 2).transpose(0, 1).contiguous(),
    "linear_relu": lambda m, a, b: m.nn.functional.relu(m.nn.functional.linear(a, b)),
    "index": lambda m, a, b: a[1:, m.tensor([0, 2]).to("meta")],
    "int_div": lambda m, a, b: m.arange(4).to("meta") // 3,
    "conv": lambda m, a, b: m.nn.functional.conv2d(a.reshape(1, 1, 3, 4), b.reshape(3, 1, 2, 2)[:, :, :2, :2]),
    "cross_entropy": lambda m, a, b: m.nn.functional.cross_entropy(a, m.zeros(3, dtype=m.long, device="meta")),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_carry_shape_and_dtype(name, torch):
    def run(m):
        a = m.randn(3, 4).to("meta").requires_grad_()
        b = m.randn(3, 4).to("meta")
        return OPS[name](m, a, b), a

    (ours, oa), (theirs, ta) = _both(torch, run)
    _same_meta(ours, theirs)
    if theirs.requires_grad:
        ours.sum().backward()
        theirs.sum().backward()
        _same_meta(oa.grad, ta.grad)


@pytest.mark.parametrize(
    "read", ["item", "item_many", "bool", "float", "int", "tolist", "numpy", "cpu", "to_cpu", "mix", "mix_rev"]
)
def test_reading_data_raises_as_pytorch(read, torch):
    def attempt(m):
        t = m.empty(3, 4, device="meta")
        s = m.empty((), device="meta")
        run = {
            "item": lambda: s.item(),
            "item_many": lambda: t.item(),
            "bool": lambda: bool(s),
            "float": lambda: float(s),
            "int": lambda: int(s),
            "tolist": lambda: t.tolist(),
            "numpy": lambda: t.numpy(),
            "cpu": lambda: t.cpu(),
            "to_cpu": lambda: t.to("cpu"),
            "mix": lambda: t + m.ones(4),
            "mix_rev": lambda: m.ones(4) + t,
        }[read]
        with pytest.raises(Exception) as info:
            run()
        return info.value

    ours, theirs = _both(torch, attempt)
    assert type(ours) is type(theirs)
    if read != "mix_rev":  # PyTorch names the other tensor's device: the order is kept
        assert str(ours) == str(theirs)


def test_meta_with_a_cpu_scalar_tensor(torch):
    ours, theirs = _both(torch, lambda m: m.ones(4, device="meta") * m.tensor(2.0))
    _same_meta(ours, theirs)


def _net(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(36, 5),
        nn.LayerNorm(5),
    )


def test_module_to_meta_and_to_empty(torch):
    def run(m):
        m.manual_seed(0)
        net = _net(m).to("meta")
        out = net(m.randn(2, 3, 8, 8, device="meta"))
        out.sum().backward()
        base = copy.deepcopy(net)
        texts = [repr(p) for p in base.parameters()] + [repr(b) for b in base.buffers()]
        texts.append(repr(net[0].weight.grad))
        net.to_empty(device="cpu")  # the gradients move too
        assert net[0].weight.grad.device.type == "cpu"
        return out, texts, net

    (oo, ot, on), (to, tt, tn) = _both(torch, run)
    _same_meta(oo, to)
    assert ot == [t.replace("torch.", "torchlet.") for t in tt]
    for (ko, vo), (kt, vt) in zip(on.state_dict().items(), tn.state_dict().items()):
        assert ko == kt and vo.device.type == vt.device.type == "cpu" and tuple(vo.shape) == tuple(vt.shape)
    assert type(on[0].weight) is torchlet.nn.Parameter and on[0].weight.requires_grad
    with pytest.raises(TypeError):
        on.to_empty("cpu")
    with pytest.raises(TypeError):
        tn.to_empty("cpu")


def test_optimizer_step_on_meta(torch):
    def run(m):
        net = m.nn.Linear(3, 2).to("meta")
        net(m.randn(4, 3, device="meta")).sum().backward()
        opt = m.optim.Adam(net.parameters(), lr=0.1)
        opt.step()
        return net.weight

    ours, theirs = _both(torch, run)
    _same_meta(ours, theirs)


def test_model_ensembling_tutorial_prints_as_pytorch(tmp_path):
    """The tutorial's program (a deepcopy(model).to('meta') base model under vmap) on torchlet
    through torchlet.compat prints what it prints on PyTorch."""
    require("torch")
    program = os.path.join(os.path.dirname(__file__), "func", "programs", "ensembling.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))

    def run(*cmd):
        proc = subprocess.run(
            [sys.executable, *cmd, program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    ours = run("-m", "torchlet.compat")
    theirs = run()
    assert ours.replace("torchlet.", "torch.") == theirs
    assert "device='meta', size=(128, 784)" in theirs


def test_meta_array_holds_one_element():
    t = torchlet.randn(100, 100).to("meta")
    assert np.shares_memory(t._data, t._data[0]) and t._data.strides == (0, 0)


def test_device_context_and_default_device(torch):
    def run(m):
        seen = []
        with m.device("meta") as d:
            seen.append(repr(d))
            net = m.nn.Linear(3, 2)
            seen.append(repr(net.weight))
            with m.device("cpu"):
                seen.append(str(m.ones(1).device))
            seen.append(repr(m.zeros(2, 2)))
        seen.append(str(m.ones(1).device))
        m.set_default_device("meta")
        try:
            seen.append(repr(m.nn.Linear(2, 2).bias))
        finally:
            m.set_default_device(None)
        seen.append(str(m.get_default_device()))
        return seen

    ours, theirs = _both(torch, run)
    assert ours == [t.replace("torch.", "torchlet.") for t in theirs]


IN_PLACE_AND_MORE = {
    "add_": lambda m, t: t.add_(1),
    "mul_cpu_scalar_": lambda m, t: t.mul_(m.tensor(2.0)),
    "zero_": lambda m, t: t.zero_(),
    "fill_": lambda m, t: t.fill_(3),
    "setitem": lambda m, t: t.__setitem__(0, 1.0) or t,
    "copy_meta": lambda m, t: t.copy_(m.empty(3, 4, device="meta")),
    "copy_cpu": lambda m, t: t.copy_(m.ones(3, 4)),
    "uniform_": lambda m, t: t.uniform_(),
    "expand": lambda m, t: t[:1].expand(5, 4),
    "where": lambda m, t: m.where(t > 0, t, 0.0),
    "max_dim": lambda m, t: t.max(1).indices,
    "sort": lambda m, t: t.sort(1).values,
    "topk": lambda m, t: t.topk(2).indices,
    "masked_fill": lambda m, t: t.masked_fill(t > 0, 1.0),
    "nonzero": lambda m, t: t.nonzero(),
    "bool_index": lambda m, t: t[t > 0],
    "sum_int": lambda m, t: t.long().sum(),
    "std": lambda m, t: t.std(0),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE_AND_MORE))
def test_in_place_and_data_dependent_ops(name, torch):
    def run(m):
        try:
            return IN_PLACE_AND_MORE[name](m, m.empty(3, 4, device="meta"))
        except Exception as e:
            return e

    ours, theirs = _both(torch, run)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs) and str(ours) == str(theirs)
    else:
        _same_meta(ours, theirs)


@pytest.mark.parametrize("weights_only", [True, False])
def test_save_and_load_meta_tensors_both_ways(weights_only, torch, tmp_path):
    def save(m, path):
        net = m.nn.Linear(3, 2).to("meta")
        obj = {"sd": net.state_dict(), "p": net.weight, "i": m.zeros(2, 3, 4, dtype=m.int64, device="meta")}
        obj["cpu"] = m.ones(2)
        m.save(obj, path)

    save(torchlet, tmp_path / "ours.pt")
    save(torch, tmp_path / "theirs.pt")
    for src in ("ours.pt", "theirs.pt"):
        a = torchlet.load(tmp_path / src, weights_only=weights_only)
        b = torch.load(tmp_path / src, weights_only=weights_only)
        for k in ("p", "i"):
            _same_meta(a[k], b[k])
        assert b["i"].stride() == (12, 4, 1)
        assert type(a["p"]) is torchlet.nn.Parameter and a["p"].requires_grad
        for k in b["sd"]:
            _same_meta(a["sd"][k], b["sd"][k])
        assert a["cpu"].tolist() == b["cpu"].tolist() == [1.0, 1.0]


INITS = {
    "uniform_": (),
    "normal_": (),
    "trunc_normal_": (),
    "constant_": (0.5,),
    "eye_": (),
    "xavier_uniform_": (),
    "xavier_normal_": (),
    "kaiming_uniform_": (),
    "kaiming_normal_": (),
    "orthogonal_": (),
    "sparse_": (0.5,),
}


@pytest.mark.parametrize("name", sorted(INITS))
def test_init_on_meta_draws_nothing(name, torch):
    """nn.init on a meta tensor keeps it meta and leaves the random stream where it was."""

    def run(m):
        m.manual_seed(0)
        w = getattr(m.nn.init, name)(m.empty(3, 4, device="meta"), *INITS[name])
        return w, m.rand(3)

    (wo, ro), (wt, rt) = _both(torch, run)
    _same_meta(wo, wt)
    assert ro.tolist() == rt.tolist()


def test_big_model_on_meta_is_instant(torch):
    """Building under `with device("meta")` allocates and draws nothing (8 x 8192^2 weights)."""
    import time

    start = time.perf_counter()
    with torchlet.device("meta"):
        net = torchlet.nn.Sequential(*[torchlet.nn.Linear(8192, 8192) for _ in range(8)])
    assert time.perf_counter() - start < 5
    assert all(p.is_meta and p._data.strides == (0,) * p.dim() for p in net.parameters())


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.randn(5, 7, device="meta"),
        lambda m: m.rand(1000, device="meta"),
        lambda m: m.randint(0, 9, (4, 4), device="meta"),
        lambda m: m.randperm(50, device="meta"),
        lambda m: m.randn_like(m.empty(3, 3, device="meta")),
        lambda m: m.rand_like(m.empty(30, device="meta")),
    ],
    ids=["randn", "rand", "randint", "randperm", "randn_like", "rand_like"],
)
def test_random_factories_on_meta_draw_nothing(make, torch):
    """A meta tensor has no data, so PyTorch draws nothing for it: the CPU stream after it is the
    stream without it."""

    def run(m):
        m.manual_seed(3)
        t = make(m)
        return t, m.randn(6)

    (ours, after), (theirs, ref) = _both(torch, run)
    _same_meta(ours, theirs)
    np.testing.assert_array_equal(after.numpy(), ref.numpy())
