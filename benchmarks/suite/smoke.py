"""Smoke mode: every workload of the suite run a few times, torchlet's outputs
checked against PyTorch's (same weights, same data). Nothing is timed.

A check compares arrays with numpy.testing.assert_allclose; a mismatch is
reported and makes the run exit with status 1."""

import numpy as np

# float32 workloads run in a different order of operations: relative 1e-3 over a few steps
RTOL, ATOL = 1e-3, 1e-4
# ResNet-18's float32 training gradients differ between the libraries by up to 3% (batch norm over
# 64 values at 1x1 in layer4 amplifies rounding); in float64 they agree to 1e-13, so it is checked there
DOUBLE = {"resnet18"}


def _np(t):
    if t is None:
        return None
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def agree(ours, theirs, rtol=RTOL, atol=ATOL):
    """Max absolute difference of two (nested tuples of) tensors; AssertionError if they differ."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{len(ours)} vs {len(theirs)} outputs"
        return max((agree(o, t, rtol, atol) for o, t in zip(ours, theirs)), default=0.0)
    a, b = _np(ours), _np(theirs)
    assert (a is None) == (b is None), f"one output is None: {a is None}, {b is None}"
    if a is None:
        return 0.0
    assert a.shape == b.shape, f"shapes {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    return float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0))


def _cases(groups, models, libs):
    """(group, name, zero-argument callable returning (torchlet output, torch output))."""
    from . import workloads as w

    torchlet, torch = libs["torchlet"], libs["torch"]
    models = models or list(w.MODELS)

    def twice(calls):  # run each twice (a second step sees the first update), compare the last
        for _ in range(2):
            out = {k: c() for k, c in calls.items()}
        return out["torchlet"], out["torch"]

    def params(built):
        po = dict(built["torchlet"][0].named_parameters())
        return [po[k] for k, _ in built["torch"][0].named_parameters()], [
            p for _, p in built["torch"][0].named_parameters()
        ]

    if "train" in groups:
        for name in models:

            def train(name=name):
                built = w.build(name, libs)
                if name in DOUBLE:
                    built = {k: (model.double(), x.double(), y) for k, (model, x, y) in built.items()}
                losses = twice({k: w.train_step(m, built[k]) for k, m in libs.items()})
                return (losses[0], *params(built)[0]), (losses[1], *params(built)[1])

            yield "train", name, train
    if "infer" in groups:
        for name in models:

            def infer(name=name):
                built = w.build(name, libs)
                return twice({k: w.inference(m, built[k]) for k, m in libs.items()})

            yield "infer", name, infer
    if "lm" in groups:
        from . import lm

        for name in lm.MODELS:
            yield "lm", f"{name} train step", lambda name=name: twice(lm.build(name, torch))
    if "ops" in groups:
        for size, shape in w.OP_SIZES.items():
            for op in w.OPS:

                def ops(op=op, shape=shape):
                    return twice({k: w.op_call(m, op, shape, True) for k, m in libs.items()})

                yield "op " + size, op, ops
    if "layers" in groups:
        for name, make, shape in w.LAYERS:

            def layer(make=make, shape=shape):
                out = {}
                for k in ("torch", "torchlet"):  # torch first: the layer copies its initial weights
                    torch.manual_seed(0)
                    x, fn = w.layer_case(libs[k], make, shape)
                    y = fn()
                    y.sum().backward()
                    out[k] = (y, x.grad)
                return out["torchlet"], out["torch"]

            yield "layer", name, layer
    if "data" in groups:
        from . import data

        for kind in data.SHAPES:
            for workers in data.WORKERS:

                def batch(kind=kind, workers=workers):
                    out = {k: next(iter(data.loader(m, kind, workers, shuffle=False, n=128))) for k, m in libs.items()}
                    return tuple(out["torchlet"]), tuple(out["torch"])

                yield "data", f"DataLoader {kind} {workers} workers", batch
    if "random" in groups:
        for name in w.RANDOM:
            yield "random", name, lambda name=name: tuple(w.random_call(m, name)() for m in (torchlet, torch))
    if "memory" in groups:
        from . import fresh

        def memory():
            mem = fresh.epoch_memory(["torchlet", "torch"], samples=256)
            assert all(v["peak"] > 0 for v in mem.values())
            return np.float32(mem["torchlet"]["loss"]), np.float32(mem["torch"]["loss"])

        yield "memory", "LeNet epoch (loss)", memory
    if "import" in groups:
        from . import fresh

        def imports():
            t = fresh.import_times(["torchlet"], repeat=1)
            assert t["torchlet"] > 0
            return np.float32(0), np.float32(0)

        yield "import", "import torchlet (fresh process)", imports


def run(groups, models=None, emit=print):
    """Run the checks of `groups`; 0 when all agree, 1 otherwise (PyTorch needed)."""
    import torch

    import torchlet

    libs = {"torchlet": torchlet, "torch": torch}
    failed = []
    for group, name, case in _cases(groups, models, libs):
        try:
            ours, theirs = case()
            diff = agree(ours, theirs)
            emit(f"smoke  {group:<10} {name:<32} ok   max abs diff {diff:.2g}")
        except AssertionError as e:
            failed.append((group, name))
            emit(f"smoke  {group:<10} {name:<32} DIFFERS  {str(e).strip().splitlines()[0] if str(e) else ''}")
            emit(str(e))
    if failed:
        emit(f"smoke: {len(failed)} workload(s) differ from PyTorch: {', '.join(f'{g} {n}' for g, n in failed)}")
        return 1
    emit("smoke: every workload agrees with PyTorch")
    return 0
