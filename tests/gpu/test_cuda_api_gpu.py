"""torchlet.cuda on a real GPU, against torch.cuda on the same GPU."""

import io
import warnings

import numpy as np
import pytest
import torch as T

import torchlet
from gpu_util import on_gpu

c = torchlet.cuda


def test_device_queries_match_pytorch():
    assert c.is_available() and c.is_initialized() in (True, False)
    assert c.device_count() == T.cuda.device_count()
    assert c.current_device() == T.cuda.current_device() == 0
    assert c.get_device_name() == T.cuda.get_device_name()
    assert c.get_device_name(0) == T.cuda.get_device_name(torchlet.device("cuda:0").index)
    assert c.get_device_capability() == T.cuda.get_device_capability()
    ours, theirs = c.get_device_properties(0), T.cuda.get_device_properties(0)
    assert (ours.name, ours.major, ours.minor) == (theirs.name, theirs.major, theirs.minor)
    assert ours.total_memory == theirs.total_memory
    assert ours.multi_processor_count == theirs.multi_processor_count
    assert torchlet.version.cuda is not None
    assert torchlet.accelerator.is_available() and torchlet.accelerator.current_accelerator().type == "cuda"
    with pytest.raises(AssertionError, match="Invalid device id"):
        c.get_device_properties(c.device_count())
    c.set_device(0)
    with c.device(0):
        assert c.current_device() == 0
    with c.device(torchlet.device("cuda:0")):
        c.synchronize()
    assert isinstance(c.is_bf16_supported(), bool)
    try:
        assert len(c.nccl.version()) >= 3
    except AttributeError:  # CuPy built without NCCL: the CPU-only answer
        pass


def test_events_time_a_matmul():
    x = torchlet.randn(2000, 2000, device="cuda")
    start, end = c.Event(enable_timing=True), c.Event(enable_timing=True)
    start.record()
    y = x @ x
    end.record()
    c.synchronize()
    ms = start.elapsed_time(end)
    assert 0 < ms < 10_000
    end.synchronize()
    assert end.query() is True
    on_gpu(y)


def test_streams():
    s = c.Stream()
    assert c.current_stream() != s
    with c.stream(s):
        assert c.current_stream() == s
        y = torchlet.ones(1000, device="cuda") * 2
    s.synchronize()
    assert c.current_stream() == c.default_stream() or c.current_stream() is not None
    ev = s.record_event()
    c.current_stream().wait_event(ev)
    assert y.sum().item() == 2000
    with c.stream(None):
        pass


def test_memory_statistics_follow_allocations():
    c.synchronize()
    c.empty_cache()
    c.reset_peak_memory_stats()
    base = c.memory_allocated()
    x = torchlet.empty(1024, 1024, device="cuda")  # 4 MiB
    assert c.memory_allocated() >= base + 4 * 1024 * 1024
    assert c.max_memory_allocated() >= c.memory_allocated()
    assert c.memory_reserved() >= c.memory_allocated()
    peak = c.max_memory_allocated()
    del x
    assert c.memory_allocated() <= base + 512
    assert c.max_memory_allocated() == peak
    c.reset_peak_memory_stats()
    assert c.max_memory_allocated() < peak
    c.empty_cache()
    assert c.memory_reserved() <= peak
    free, total = c.mem_get_info()
    assert 0 < free <= total


def test_device_mixing_error_is_pytorchs():
    with pytest.raises(RuntimeError) as theirs:
        T.ones(3, device="cuda") + T.ones(3)
    with pytest.raises(RuntimeError) as ours:
        torchlet.ones(3, device="cuda") + torchlet.ones(3)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError) as ours:
        torchlet.ones(3) * torchlet.ones(3, device="cuda")
    assert str(ours.value) == str(theirs.value)
    ok = torchlet.ones(3, device="cuda") + torchlet.tensor(1.0)  # a CPU scalar joins
    on_gpu(ok)


def test_numpy_and_printing_as_pytorch():
    with pytest.raises(TypeError) as theirs:
        T.ones(2, device="cuda").numpy()
    with pytest.raises(TypeError) as ours:
        torchlet.ones(2, device="cuda").numpy()
    assert str(ours.value) == str(theirs.value)
    data = [[1.5, -2.0], [3.25, 4.0]]
    assert repr(torchlet.tensor(data, device="cuda")) == repr(T.tensor(data, device="cuda"))
    assert repr(torchlet.tensor(data, device="cuda", requires_grad=True)) == repr(
        T.tensor(data, device="cuda", requires_grad=True)
    )
    assert repr(torchlet.ones(2, device="cuda").device) == repr(T.ones(2, device="cuda").device)


def test_moves_and_gradients_cross_devices():
    x = torchlet.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda(non_blocking=True)
    on_gpu(y)
    (y * y).sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, -4.0, 6.0]
    assert y.cpu().device.type == "cpu"
    assert y.to("cpu").tolist() == [1.0, -2.0, 3.0]
    assert y.is_cuda and not x.is_cuda and y.get_device() == 0


def test_checkpoints_between_libraries_and_devices(tmp_path):
    path = tmp_path / "theirs.pt"
    T.save({"w": T.arange(4.0, device="cuda")}, path)
    assert torchlet.load(path)["w"].device == torchlet.device("cuda", 0)
    for ml, want in (("cpu", "cpu"), ({"cuda:0": "cpu"}, "cpu"), (lambda s, loc: s.cpu(), "cpu"), (None, "cuda")):
        w = torchlet.load(path, map_location=ml)["w"]
        assert w.device.type == want and w.cpu().tolist() == [0.0, 1.0, 2.0, 3.0]
    ours = tmp_path / "ours.pt"
    torchlet.save({"w": torchlet.arange(3.0, device="cuda"), "c": torchlet.ones(2)}, ours)
    loaded = T.load(ours)
    assert loaded["w"].device.type == "cuda" and loaded["c"].device.type == "cpu"
    back = torchlet.load(ours, map_location={"cpu": "cuda:0"})
    on_gpu(back["c"])


def test_module_to_cuda_moves_parameters_buffers_and_optimizer_state():
    m = torchlet.nn.Sequential(torchlet.nn.Linear(3, 4), torchlet.nn.BatchNorm1d(4))
    w = m[0].weight
    opt = torchlet.optim.Adam(m.parameters(), lr=0.1)
    m(torchlet.randn(5, 3)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    m.cuda()
    assert m[0].weight is w
    on_gpu(m[0].weight)
    on_gpu(m[1].running_var)
    opt.load_state_dict(sd)
    on_gpu(opt.state[w]["exp_avg"])
    opt.zero_grad()
    m(torchlet.randn(5, 3, device="cuda")).sum().backward()
    opt.step()
    on_gpu(opt.state[w]["exp_avg_sq"])
    m.cpu()
    assert m[0].weight.device.type == "cpu"


def test_dataloader_pin_memory_on_a_gpu_machine():
    ds = torchlet.utils.data.TensorDataset(torchlet.arange(6.0).view(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no accelerator" warning here
        batches = [b[0] for b in torchlet.utils.data.DataLoader(ds, batch_size=2, pin_memory=True)]
    assert [b.to("cuda", non_blocking=True).cpu().tolist() for b in batches] == [[[0, 1], [2, 3]], [[4, 5]]]


def test_tf32_switch():
    a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
    exact = a.astype(np.float64) @ a.astype(np.float64)
    full = (torchlet.tensor(a, device="cuda") @ torchlet.tensor(a, device="cuda")).cpu().numpy()
    assert np.abs(full - exact).max() < 1e-2
    torchlet.backends.cuda.matmul.allow_tf32 = True
    try:
        tf32 = (torchlet.tensor(a, device="cuda") @ torchlet.tensor(a, device="cuda")).cpu().numpy()
    finally:
        torchlet.backends.cuda.matmul.allow_tf32 = False
    assert np.abs(tf32 - exact).max() > np.abs(full - exact).max()
    again = (torchlet.tensor(a, device="cuda") @ torchlet.tensor(a, device="cuda")).cpu().numpy()
    np.testing.assert_array_equal(again, full)


def test_serialized_buffer_roundtrip():
    buf = io.BytesIO()
    torchlet.save(torchlet.arange(5, device="cuda"), buf)
    buf.seek(0)
    t = torchlet.load(buf)
    on_gpu(t)
    assert t.tolist() == [0, 1, 2, 3, 4]
