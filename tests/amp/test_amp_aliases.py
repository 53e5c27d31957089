"""The deprecated spellings torch.cuda.amp.{autocast, GradScaler, custom_fwd, custom_bwd} and
torch.cpu.amp.{autocast, GradScaler} against torch's: the same FutureWarning text, pointing
at the caller's line; the same defaults and enabled state; subclasses of torch.amp's
classes. torch.cpu.amp.GradScaler trains as torch's does; custom_fwd / custom_bwd give a
custom Function torch's dtypes."""

import warnings

import numpy as np
import pytest

import torchlet

MAKERS = {
    "cuda.amp.autocast": lambda m: m.cuda.amp.autocast(),
    "cuda.amp.autocast(bf16, disabled)": lambda m: m.cuda.amp.autocast(enabled=False, dtype=m.bfloat16),
    "cpu.amp.autocast": lambda m: m.cpu.amp.autocast(),
    "cpu.amp.autocast(fp16)": lambda m: m.cpu.amp.autocast(dtype=m.float16),
    "cpu.amp.autocast(fp64)": lambda m: m.cpu.amp.autocast(dtype=m.float64),
    "cuda.amp.GradScaler": lambda m: m.cuda.amp.GradScaler(init_scale=4.0),
    "cpu.amp.GradScaler": lambda m: m.cpu.amp.GradScaler(init_scale=4.0, growth_interval=3),
    "cuda.amp.custom_fwd": lambda m: m.cuda.amp.custom_fwd(cast_inputs=m.float32),
    "cuda.amp.custom_bwd": lambda m: m.cuda.amp.custom_bwd(lambda ctx, g: g),
}


def _describe(m, obj):
    out = {}
    for attr in ("device", "fast_dtype", "_enabled", "_cache_enabled"):
        if hasattr(obj, attr):
            out[attr] = str(getattr(obj, attr)).split(".")[-1]
    if hasattr(obj, "is_enabled"):
        out["scaler"] = (obj.is_enabled(), obj.get_scale(), obj.state_dict())
    if isinstance(obj, m.amp.autocast):
        out["is_amp_autocast"] = True
    if isinstance(obj, m.amp.GradScaler):
        out["is_amp_GradScaler"] = True
    return out


@pytest.mark.parametrize("name", list(MAKERS))
def test_alias_warnings_and_state(name, torch):
    seen = []
    for m in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            obj = MAKERS[name](m)
        future = [(str(x.message), x.filename == __file__) for x in w if x.category is FutureWarning]
        others = sorted(str(x.message) for x in w if x.category is not FutureWarning)
        seen.append((future, others, _describe(m, obj)))
    assert seen[0] == seen[1]
    assert seen[0][0] and seen[0][0][0][1], "one FutureWarning, at the caller's line"


def _train(m, scaler_maker, grads):
    w = m.tensor(np.linspace(-1, 1, 4), dtype=m.float32, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scaler = scaler_maker(m)
    trace = []
    for g in grads:
        opt.zero_grad()
        scaler.scale((w * m.tensor(g, dtype=m.float32)).sum()).backward()
        scaler.step(opt)
        scaler.update()
        trace.append((w.detach().numpy().copy(), scaler.get_scale(), scaler._get_growth_tracker()))
    return trace, scaler.state_dict()


def test_cpu_amp_grad_scaler_trains_as_torch(torch):
    grads = [np.ones(4), np.array([np.inf, 0, 0, 0]), np.ones(4) * 2, np.ones(4), np.ones(4), np.ones(4)]

    def make(m):
        return m.cpu.amp.GradScaler(init_scale=8.0, growth_interval=2)

    (to, so), (tt, st) = _train(torchlet, make, grads), _train(torch, make, grads)
    assert so == st
    for a, b in zip(to, tt):
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:] == b[1:]


def test_unscale_fp16_grads_refused(torch):
    res = []
    for m in (torchlet, torch):
        w = m.ones(3, dtype=m.float16, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        s = m.amp.GradScaler("cpu")
        s.scale(w.float().sum()).backward()
        with pytest.raises(Exception) as e:
            s.unscale_(opt)
        res.append((type(e.value).__name__, str(e.value)))
    assert res[0] == res[1]


def _custom_function(m):
    class MyMM(m.autograd.Function):
        @staticmethod
        @m.amp.custom_fwd(device_type="cpu", cast_inputs=m.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.inner = m.is_autocast_enabled("cpu")
            return a.mm(b)

        @staticmethod
        @m.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ctx.inner_bwd = m.is_autocast_enabled("cpu")
            return g.mm(b.t()), a.t().mm(g)

    return MyMM


def test_custom_fwd_bwd_dtypes(torch):
    res = []
    for m in (torchlet, torch):
        a = m.tensor(np.eye(3, dtype=np.float32), requires_grad=True)
        b = m.tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3), requires_grad=True)
        with m.autocast("cpu"):
            h = a.mm(b)  # bfloat16
            y = _custom_function(m).apply(h, b)
        y.sum().backward()
        res.append(
            [str(t.dtype).split(".")[-1] for t in (h, y, a.grad, b.grad)]
            + [y.grad_fn is not None, float(a.grad.sum()), float(b.grad.sum())]
        )
    assert res[0] == res[1]
