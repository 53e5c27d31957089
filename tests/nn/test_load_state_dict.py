"""Module.load_state_dict against PyTorch: the missing / unexpected keys of
strict=False (buffers such as num_batches_tracked included, non-persistent
buffers excluded, nested modules, _extra_state), the printed result, and the
exact RuntimeError text of strict=True, on the same edits of the same state dicts."""

import collections

import numpy as np
import pytest

import torchlet


def _models(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.bn = nn.BatchNorm2d(2)
            self.register_buffer("scale", lib.ones(2))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 3), nn.ReLU(), nn.Linear(3, 2))
            self.empty = None

    return {
        "linear": lambda: nn.Linear(4, 3),
        "linear_nobias": lambda: nn.Linear(4, 3, bias=False),
        "seq_bn": lambda: nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2)),
        "bn_untracked": lambda: nn.BatchNorm1d(3, track_running_stats=False),
        "nested": Net,
        "layernorm": lambda: nn.LayerNorm(3, elementwise_affine=False),
    }


def _edits():
    """name -> function(state dict as an OrderedDict of numpy arrays) -> edited copy."""

    def drop(pred):
        return lambda sd: collections.OrderedDict((k, v) for k, v in sd.items() if not pred(k))

    def add(**extra):
        return lambda sd: collections.OrderedDict(
            list(sd.items()) + [(k.replace("__", "."), v) for k, v in extra.items()]
        )

    def reshape(i):
        def f(sd):
            out = collections.OrderedDict(sd)
            if len(out) > i:
                k = list(out)[i]
                out[k] = np.zeros((out[k].size + 1,), out[k].dtype)
            return out

        return f

    def wrong_type(sd):
        out = collections.OrderedDict(sd)
        if out:
            out[next(iter(out))] = 3.0
        return out

    return {
        "same": lambda sd: sd,
        "drop_first": drop(lambda k: k == next(iter(_edits.sd))),
        "drop_bias": drop(lambda k: k.endswith("bias")),
        "drop_nbt": drop(lambda k: k.endswith("num_batches_tracked")),
        "drop_buffers": drop(lambda k: "running" in k or k.endswith("scale")),
        "extra_top": add(extra=np.ones(1, np.float32)),
        "extra_nested": add(
            block__extra=np.ones(1, np.float32),
            nothere__w=np.ones(1, np.float32),
            head__9__weight=np.ones(1, np.float32),
            block__cache=np.ones(2, np.float32),
        ),
        "extra_state": add(_extra_state=np.ones(1, np.float32)),
        "shape0": reshape(0),
        "shape1": reshape(1),
        "wrong_type": wrong_type,
        "scalar_as_1d": lambda sd: collections.OrderedDict(
            (k, v.reshape(1) if v.ndim == 0 else v) for k, v in sd.items()
        ),
        "prefixed": lambda sd: collections.OrderedDict(("module." + k, v) for k, v in sd.items()),
    }


def _to(lib, v):
    return v if not isinstance(v, np.ndarray) else lib.tensor(v.copy()) if v.ndim == 0 else lib.from_numpy(v.copy())


def _run(lib, model_name, edit, strict, assign, keep_metadata):
    torchlet.manual_seed(0)
    lib.manual_seed(0)
    model = _models(lib)[model_name]()
    sd = model.state_dict()
    arrays = collections.OrderedDict((k, v.detach().numpy().copy()) for k, v in sd.items())
    _edits.sd = arrays
    edited = collections.OrderedDict((k, _to(lib, v)) for k, v in _edits()[edit](arrays).items())
    if keep_metadata:
        edited._metadata = sd._metadata
    try:
        result = model.load_state_dict(edited, strict=strict, assign=assign)
    except Exception as e:
        return ("raised", type(e).__name__, str(e))
    params = [(n, tuple(p.shape), type(p).__name__, p.requires_grad) for n, p in model.named_parameters()]
    return (
        "ok",
        repr(result),
        str(result),
        result.missing_keys,
        result.unexpected_keys,
        type(result).__name__,
        tuple(result),
        params,
    )


@pytest.mark.parametrize("model_name", ["linear", "linear_nobias", "seq_bn", "bn_untracked", "nested", "layernorm"])
@pytest.mark.parametrize("edit", list(_edits()))
@pytest.mark.parametrize(
    "strict,assign,keep_metadata",
    [(True, False, True), (False, False, True), (True, True, True), (False, False, False)],
)
def test_load_state_dict_matches_torch(torch, model_name, edit, strict, assign, keep_metadata):
    theirs = _run(torch, model_name, edit, strict, assign, keep_metadata)
    ours = _run(torchlet, model_name, edit, strict, assign, keep_metadata)
    if theirs[0] == "raised":
        theirs = theirs[:2] + (
            theirs[2]
            .replace("torch.Size", "torchlet.Size")
            .replace("<class 'torch.Tensor'>", "<class 'torchlet.Tensor'>"),
        )
    assert ours == theirs


def test_post_hook_sees_the_keys_and_may_clear_them(torch):
    seen = {}
    for lib in (torch, torchlet):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))

        def hook(module, keys, lib=lib):
            seen.setdefault(lib.__name__, []).append(
                (type(module).__name__, list(keys.missing_keys), list(keys.unexpected_keys))
            )
            keys.missing_keys.clear()

        m.register_load_state_dict_post_hook(hook)
        sd = m.state_dict()
        del sd["1.running_mean"]
        sd["zz"] = lib.ones(1)
        with pytest.raises(RuntimeError) as e:
            m.load_state_dict(sd)
        seen[lib.__name__].append(str(e.value).splitlines()[1:])
    assert seen["torchlet"] == seen["torch"]
