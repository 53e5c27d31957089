"""torchlet.jit: script/trace return their argument (documented no-ops) whose outputs equal
what torch's scripted/traced module gives; jit.save/jit.load round-trip a module; a
TorchScript archive written by PyTorch and a missing file give torch's error classes."""

import io

import numpy as np
import pytest

import torchlet

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _pair(torch):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    om = torchlet.nn.Sequential(torchlet.nn.Linear(4, 3), torchlet.nn.Tanh(), torchlet.nn.Linear(3, 2))
    om.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return om, tm


def test_script_and_trace_run_as_torch(torch):
    om, tm = _pair(torch)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert torchlet.jit.script(om) is om
    traced = torchlet.jit.trace(om, torchlet.tensor(x))
    assert traced is om
    ts, tt = torch.jit.script(tm), torch.jit.trace(tm, torch.tensor(x))
    for theirs in (ts, tt):
        np.testing.assert_allclose(
            traced(torchlet.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-7
        )

    @torchlet.jit.script
    def f(a, b):
        return a * b + 1

    assert float(f(torchlet.tensor(2.0), torchlet.tensor(3.0))) == 7.0
    assert torchlet.jit.is_scripting() is torch.jit.is_scripting() is False
    assert torchlet.jit.ignore(f) is f and torchlet.jit.unused(f) is f and torchlet.jit.export(f) is f


def test_save_load_round_trip(torch, tmp_path):
    om, _ = _pair(torch)
    path = tmp_path / "model.pt"
    torchlet.jit.save(torchlet.jit.script(om), str(path))
    back = torchlet.jit.load(str(path))
    assert repr(back) == repr(om) and type(back) is torchlet.nn.Sequential
    x = torchlet.randn(2, 4)
    np.testing.assert_array_equal(back(x).detach().numpy(), om(x).detach().numpy())
    buf = io.BytesIO()
    torchlet.jit.save(om, buf)
    buf.seek(0)
    back2 = torchlet.jit.load(buf, map_location="cpu")
    np.testing.assert_array_equal(back2[0].weight.detach().numpy(), om[0].weight.detach().numpy())


def test_deprecation_warnings_as_torch(torch):
    import warnings

    om, tm = _pair(torch)
    for name, args in (("script", ()), ("trace", (None,))):
        with warnings.catch_warnings(record=True) as wo:
            warnings.simplefilter("always")
            getattr(torchlet.jit, name)(om, *((torchlet.ones(1, 4),) if args else ()))
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            getattr(torch.jit, name)(tm, *((torch.ones(1, 4),) if args else ()))
        assert str(wo[0].message) == str(wt[0].message)
        assert wo[0].category is wt[0].category is FutureWarning


def test_errors(torch, tmp_path):
    _, tm = _pair(torch)
    with pytest.raises(ValueError) as eo:
        torchlet.jit.load(str(tmp_path / "missing.pt"))
    with pytest.raises(ValueError) as et:
        torch.jit.load(str(tmp_path / "missing.pt"))
    assert str(eo.value) == str(et.value)
    ts_path = tmp_path / "ts.pt"
    torch.jit.save(torch.jit.script(tm), str(ts_path))
    with pytest.raises(RuntimeError, match="TorchScript"):
        torchlet.jit.load(str(ts_path))
