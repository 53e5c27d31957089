"""DataParallel and its functional pieces on the CPU: one device, so the
module itself is its only replica, as PyTorch does when it has one device.
scatter/gather still split and join along `dim` over the devices given."""

from ...ops.joining import cat
from ..module import Module

__all__ = ["DataParallel", "data_parallel", "scatter", "scatter_kwargs", "gather", "replicate", "parallel_apply"]


def _chunks(obj, n, dim):
    from ..._tensor import Tensor

    if isinstance(obj, Tensor):
        return list(obj.chunk(n, dim))
    if isinstance(obj, tuple) and obj:
        return [
            type(obj)(p) if not hasattr(obj, "_fields") else type(obj)(*p)
            for p in zip(*(_chunks(o, n, dim) for o in obj))
        ]
    if isinstance(obj, list) and obj:
        return [list(p) for p in zip(*(_chunks(o, n, dim) for o in obj))]
    if isinstance(obj, dict) and obj:
        return [type(obj)(zip(obj.keys(), p)) for p in zip(*(_chunks(o, n, dim) for o in obj.values()))]
    return [obj] * n


def scatter(inputs, target_gpus, dim=0):
    """Split tensors (inside tuples, lists, dicts) into len(target_gpus) chunks along dim."""
    return _chunks(inputs, max(len(target_gpus), 1), dim)


def scatter_kwargs(inputs, kwargs, target_gpus, dim=0):
    ins = scatter(inputs, target_gpus, dim) if inputs else []
    kws = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(ins) < len(kws):
        ins.extend(() for _ in range(len(kws) - len(ins)))
    elif len(kws) < len(ins):
        kws.extend({} for _ in range(len(ins) - len(kws)))
    return tuple(ins), tuple(kws)


def gather(outputs, target_device, dim=0):
    """Join per-device outputs (tensors, or tuples/lists/dicts of them) along dim."""
    from ..._tensor import Tensor

    first = outputs[0]
    if isinstance(first, Tensor):
        return cat(list(outputs), dim) if first.dim() else cat([o.reshape(1) for o in outputs])
    if first is None:
        return None
    if isinstance(first, dict):
        return type(first)((k, gather([o[k] for o in outputs], target_device, dim)) for k in first)
    if isinstance(first, (tuple, list)):
        parts = [gather(p, target_device, dim) for p in zip(*outputs)]
        return type(first)(*parts) if hasattr(first, "_fields") else type(first)(parts)
    return first


def replicate(network, devices, detach=False):
    """One replica per device; on one device the replicas are the module itself."""
    return [network for _ in devices]


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    kwargs_tup = kwargs_tup or ({},) * len(modules)
    outs = []
    for m, inp, kw in zip(modules, inputs, kwargs_tup):
        inp = inp if isinstance(inp, (list, tuple)) else (inp,)
        outs.append(m(*inp, **kw))
    return outs


def _devices(device_ids):
    if device_ids is None:
        return [0]
    return list(device_ids) or [0]


class DataParallel(Module):
    """On the CPU there is one device: forward is module(*inputs, **kwargs)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
