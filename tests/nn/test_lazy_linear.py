"""nn.LazyLinear against torch: repr before and after the first call, the class it becomes,
the initial weights drawn from the same seed, the optimizer keeping the same parameter
objects, loading a state_dict into an uninitialized layer, and the shape error."""

import numpy as np
import pytest

import torchlet


def _both(torch, fn):
    return fn(torchlet), fn(torch)


def test_first_call_materializes_like_torch(torch):
    def run(lib):
        lib.manual_seed(3)
        m = lib.nn.LazyLinear(4)
        before = repr(m), repr(m.weight)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        x = lib.ones(2, 6)
        y = m(x)
        y.sum().backward()
        opt.step()
        return m, before, y, opt

    (mo, bo, yo, oo), (mt, bt, yt, ot) = _both(torch, run)
    assert bo == bt
    assert repr(mo) == repr(mt) and type(mo).__name__ == type(mt).__name__ == "Linear"
    assert type(mo) is torchlet.nn.Linear and type(mo.weight) is torchlet.nn.Parameter
    assert oo.param_groups[0]["params"][0] is mo.weight
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mo.weight.detach().numpy(), mt.weight.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(mo.bias.detach().numpy(), mt.bias.detach().numpy(), rtol=1e-6, atol=1e-7)
    # the next draw continues the same stream
    np.testing.assert_array_equal(torchlet.rand(3).numpy(), torch.rand(3).numpy())


def test_no_bias_and_uninitialized_errors(torch):
    mo, mt = torchlet.nn.LazyLinear(2, bias=False), torch.nn.LazyLinear(2, bias=False)
    assert repr(mo) == repr(mt) and mo.bias is None and list(mo.state_dict()) == list(mt.state_dict())
    with pytest.raises(RuntimeError) as eo:
        mo.weight.shape
    with pytest.raises(RuntimeError) as et:
        mt.weight.shape
    assert str(eo.value) == str(et.value)
    assert isinstance(mo.weight, torchlet.nn.UninitializedParameter)
    assert mo.has_uninitialized_params()


def test_load_state_dict_materializes(torch):
    torch.manual_seed(0)
    src = torch.nn.Linear(5, 3)
    mo, mt = torchlet.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    mo.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in src.state_dict().items()})
    mt.load_state_dict(src.state_dict())
    assert repr(mo) == repr(mt) and type(mo) is torchlet.nn.LazyLinear
    np.testing.assert_array_equal(mo.weight.detach().numpy(), src.weight.detach().numpy())
    x = np.arange(10, dtype=np.float32).reshape(2, 5)
    np.testing.assert_allclose(mo(torchlet.tensor(x)).detach().numpy(), mt(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert repr(mo) == repr(mt) and type(mo) is torchlet.nn.Linear
