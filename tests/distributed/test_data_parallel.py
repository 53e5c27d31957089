"""nn.DataParallel and nn.parallel's functional pieces on the CPU, against PyTorch."""

import numpy as np
import torch

import torchlet


def _pair():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    ours = torchlet.nn.Sequential(torchlet.nn.Linear(4, 3), torchlet.nn.ReLU())
    ours.load_state_dict({k: torchlet.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_data_parallel_module_runs_the_module():
    ours, theirs = _pair()
    x = np.random.RandomState(0).standard_normal((5, 4)).astype(np.float32)
    dp, tdp = torchlet.nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    a, b = dp(torchlet.from_numpy(x)), tdp(torch.from_numpy(x))
    assert np.allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
    a.sum().backward()
    b.sum().backward()
    assert np.allclose(ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(), atol=1e-6)
    assert list(dp.state_dict()) == list(tdp.state_dict())
    assert dp.module is ours and tdp.device_ids == dp.device_ids == []
    assert repr(dp) == repr(tdp)


def test_functional_pieces():
    ours, theirs = _pair()
    x = np.random.RandomState(1).standard_normal((6, 4)).astype(np.float32)
    out = torchlet.nn.parallel.data_parallel(ours, torchlet.from_numpy(x))
    ref = theirs(torch.from_numpy(x))  # torch's data_parallel needs a GPU; one device = the module
    assert np.allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-6)
    P = torchlet.nn.parallel
    parts = P.scatter((torchlet.from_numpy(x),), [0, 1, 2])
    assert len(parts) == 3 and [tuple(p[0].shape) for p in parts] == [(2, 4)] * 3
    reps = P.replicate(ours, [0, 1, 2])
    outs = P.parallel_apply(reps, parts)
    joined = P.gather(outs, "cpu")
    assert np.allclose(joined.detach().numpy(), ref.detach().numpy(), atol=1e-6)
