"""torchlet.func.functional_call against torch.func.functional_call."""

import numpy as np
import pytest

import torchlet
from oracle import assert_same, check_error, from_torch


def _pair(torch):
    torch.manual_seed(0)
    mt = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    mo = torchlet.nn.Sequential(torchlet.nn.Linear(3, 4), torchlet.nn.BatchNorm1d(4), torchlet.nn.Linear(4, 2))
    mo.load_state_dict({k: from_torch(v) for k, v in mt.state_dict().items()})
    return mo, mt


def test_replaced_parameters_get_the_gradient(torch):
    mo, mt = _pair(torch)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    wo, wt = torchlet.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    rm_o, rm_t = torchlet.ones(4), torch.ones(4)
    yo = torchlet.func.functional_call(mo, {"0.weight": wo, "1.running_mean": rm_o}, (torchlet.tensor(x),))
    yt = torch.func.functional_call(mt, {"0.weight": wt, "1.running_mean": rm_t}, (torch.tensor(x),))
    assert_same(yo, yt)
    yo.sum().backward()
    yt.sum().backward()
    assert_same(wo.grad, wt.grad)
    assert mo[0].weight.grad is None and mt[0].weight.grad is None
    assert_same(rm_o, rm_t)  # the running statistics update the tensor passed in
    assert_same(mo[1].running_mean, mt[1].running_mean)  # ... not the module's own
    assert isinstance(mo[0].weight, torchlet.nn.Parameter)
    assert_same(mo[0].weight, mt[0].weight)


def test_args_forms_and_tuple_of_dicts(torch):
    mo, mt = _pair(torch)
    mo.eval(), mt.eval()
    x = np.ones((2, 3), np.float32)
    b = np.arange(2, dtype=np.float32)
    yo = torchlet.func.functional_call(mo, ({"2.bias": torchlet.tensor(b)}, {}), torchlet.tensor(x))
    yt = torch.func.functional_call(mt, ({"2.bias": torch.tensor(b)}, {}), torch.tensor(x))
    assert_same(yo, yt)
    yo = torchlet.func.functional_call(mo, {}, (), {"input": torchlet.tensor(x)})
    yt = torch.func.functional_call(mt, {}, (), {"input": torch.tensor(x)})
    assert_same(yo, yt)


def test_tied_weights(torch):
    def build(m):
        m.manual_seed(0)
        a = m.nn.Linear(2, 2, bias=False)
        b = m.nn.Linear(2, 2, bias=False)
        b.weight = a.weight
        return m.nn.Sequential(a, b)

    mo, mt = build(torchlet), build(torch)
    mo.load_state_dict({k: from_torch(v) for k, v in mt.state_dict().items()})
    w = np.eye(2, dtype=np.float32) * 2
    x = np.ones((1, 2), np.float32)
    for tie in (True, False):
        yo = torchlet.func.functional_call(mo, {"0.weight": torchlet.tensor(w)}, torchlet.tensor(x), tie_weights=tie)
        yt = torch.func.functional_call(mt, {"0.weight": torch.tensor(w)}, torch.tensor(x), tie_weights=tie)
        assert_same(yo, yt)


@pytest.mark.parametrize("case", ["strict_missing", "strict_unexpected", "ambiguous"])
def test_errors(torch, case):
    def call(m):
        lin = m.nn.Linear(2, 2)
        x = m.ones(1, 2)
        if case == "strict_missing":
            return m.func.functional_call(lin, {"weight": m.zeros(2, 2)}, (x,), strict=True)
        if case == "strict_unexpected":
            return m.func.functional_call(
                lin, {"weight": m.zeros(2, 2), "bias": m.zeros(2), "foo": m.zeros(1)}, (x,), strict=True
            )
        return m.func.functional_call(lin, ({"weight": m.zeros(2, 2)}, {"weight": m.zeros(2, 2)}), (x,))

    eo, et = check_error(call)
    assert str(eo) == str(et)


def test_profiler_record_function(torch):
    with torchlet.profiler.record_function("block"):
        y = torchlet.ones(2) * 2
    f = torchlet.profiler.record_function("f")(lambda a: a + 1)
    assert_same(f(y), torch.ones(2) * 2 + 1)
    assert {k: v.value for k, v in torchlet.profiler.ProfilerActivity.__members__.items()} == {
        k: int(v) for k, v in torch.profiler.ProfilerActivity.__members__.items()
    }
