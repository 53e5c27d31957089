"""DistributedDataParallel on MPI.

Construction broadcasts rank 0's parameters and buffers. Parameters are cut
into buckets of about `bucket_cap_mb`, in reverse registration order (the
order backward tends to produce gradients). A post-accumulate-grad hook per
parameter counts it ready; when a bucket's last gradient lands, its gradients
are flattened into one buffer and a non-blocking all-reduce (Iallreduce)
starts while backward goes on computing earlier layers. Buckets start in
order, so every rank issues the same sequence of collectives. A callback
queued on the engine runs once backward is done: it starts buckets whose
parameters got no gradient (unused), waits for all requests, divides by the
world size and writes the averages back into `.grad`.

Each bucket carries one extra number per parameter: 1 when this rank produced
a gradient for it. After the all-reduce a parameter that no rank used keeps
`.grad` None, as in PyTorch with find_unused_parameters=True.
"""

import contextlib

import numpy as np

from ...autograd import engine
from ...autograd.grad_mode import is_grad_enabled
from ..module import Module

__all__ = ["DistributedDataParallel"]


def _tensors(obj):
    from ..._tensor import Tensor

    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


class _Bucket:
    __slots__ = ("params", "pending", "request", "flat", "used")

    def __init__(self, params):
        self.params = params
        self.reset()

    def reset(self):
        self.pending = len(self.params)
        self.request = self.flat = None
        self.used = None


class DistributedDataParallel(Module):
    def __init__(
        self,
        module,
        device_ids=None,
        output_device=None,
        dim=0,
        broadcast_buffers=True,
        init_sync=True,
        process_group=None,
        bucket_cap_mb=None,
        find_unused_parameters=False,
        check_reduction=False,
        gradient_as_bucket_view=False,
        static_graph=False,
        delay_all_reduce_named_params=None,
        param_to_hook_all_reduce=None,
        mixed_precision=None,
        device_mesh=None,
    ):
        super().__init__()
        from ... import distributed as dist
        from ...distributed._state import _group

        self.process_group = _group(process_group)
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._world = dist.get_world_size(self.process_group)
        params, seen = [], set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        if not params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any "
                "parameter that requires a gradient."
            )
        self._params = params
        if init_sync:
            self._broadcast([p for p in module.parameters()] + [b for b in module.buffers()])
        self._buckets = self._make_buckets(params)
        self._bucket_of = {}
        for b in self._buckets:
            for p in b.params:
                self._bucket_of[id(p)] = b
        self._next = 0  # next bucket to start, in order
        self._queued = False  # end-of-backward callback queued for this backward
        self._ready = set()  # ids of parameters whose gradient this backward produced
        self._skip = set()  # find_unused_parameters: ids the last forward's graph does not reach
        self._unfinished = None  # params with no gradient in the last synced backward
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    # ----- construction ---------------------------------------------------
    def _broadcast(self, tensors):
        """Rank 0's values into every rank, one Bcast per dtype."""
        comm = self.process_group._comm
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        for group in by_dtype.values():
            flat = np.concatenate([t._data.reshape(-1) for t in group])
            comm.Bcast(flat.view(np.uint8), root=0)
            at = 0
            for t in group:
                n = t._data.size
                t._data[...] = flat[at : at + n].reshape(t._data.shape)
                at += n

    def _make_buckets(self, params):
        buckets, cur, size, dtype = [], [], 0, None
        for p in reversed(params):
            nbytes = p._data.nbytes
            if cur and (size + nbytes > self.bucket_bytes_cap or p._data.dtype != dtype):
                buckets.append(_Bucket(cur))
                cur, size = [], 0
            cur.append(p)
            size += nbytes
            dtype = p._data.dtype
        if cur:
            buckets.append(_Bucket(cur))
        return buckets

    # ----- forward --------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._unfinished and not self.find_unused_parameters:
            names = {id(p): n for n, p in self.module.named_parameters()}
            which = ", ".join(names.get(id(p), "?") for p in self._unfinished)
            self._unfinished = None
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. "
                "This error indicates that your module has parameters that were not used in producing "
                "loss. You can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`. "
                f"Parameters which did not receive grad: {which}"
            )
        if self.broadcast_buffers and self.require_forward_param_sync and self._world > 1:
            bufs = list(self.module.buffers())
            if bufs:
                self._broadcast(bufs)
        out = self.module(*inputs, **kwargs)
        if self.find_unused_parameters and self.require_backward_grad_sync and is_grad_enabled():
            self._mark_unused(out)
        return out

    def _mark_unused(self, out):
        """Parameters the output's graph does not reach count as ready now, so
        their buckets need not wait for the end of backward (PyTorch does the same)."""
        reached = set()
        stack = [t._grad_fn for t in _tensors(out) if t._grad_fn is not None]
        seen = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            var = getattr(node, "variable", None)
            if var is not None:
                reached.add(id(var))
            stack.extend(e[0] for e in node._next if e is not None)
        for b in self._buckets:
            b.reset()
        self._next = 0
        self._skip = {id(p) for p in self._params} - reached
        for p in self._params:
            if id(p) in self._skip:
                self._bucket_of[id(p)].pending -= 1

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients accumulate locally; the next backward outside averages them all."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # ----- backward -------------------------------------------------------
    def _grad_ready(self, p):
        if not self.require_backward_grad_sync:
            return
        self._ready.add(id(p))
        if not self._queued:
            self._queued = True
            engine.queue_callback(self._finish)
        bucket = self._bucket_of[id(p)]
        bucket.pending -= 1
        self._start_ready()

    def _start_ready(self):
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            self._start(buckets[self._next])
            self._next += 1
        if self._next:  # let MPI progress the requests already started
            from mpi4py import MPI

            MPI.Request.Testall([b.request for b in buckets[: self._next] if b.request is not None])

    def _start(self, bucket):
        from mpi4py import MPI

        parts, used = [], []
        ready = self._ready
        for p in bucket.params:
            g = p._grad
            mine = id(p) in ready and g is not None
            used.append(mine)
            parts.append(g._data.reshape(-1) if mine else np.zeros(p._data.size, p._data.dtype))
        parts.append(np.array(used, dtype=bucket.params[0]._data.dtype))
        flat = np.concatenate(parts)
        bucket.flat = flat
        bucket.used = used
        bucket.request = self.process_group._comm.Iallreduce(MPI.IN_PLACE, flat, op=MPI.SUM)

    def _finish(self):
        from mpi4py import MPI
        from ..._tensor import wrap

        self._queued = False
        unfinished = [p for p in self._params if id(p) not in self._ready and id(p) not in self._skip]
        self._next_all()
        self._ready = set()
        self._skip = set()
        MPI.Request.Waitall([b.request for b in self._buckets])
        n = self._world
        for b in self._buckets:
            flat = b.flat
            flat /= n
            at = 0
            anyone = flat[-len(b.params) :]
            for i, (p, mine) in enumerate(zip(b.params, b.used)):
                k = p._data.size
                avg = flat[at : at + k].reshape(p._data.shape)
                at += k
                g = p._grad
                if mine and g._data.flags.writeable:
                    g._data[...] = avg
                    g._version[0] += 1
                elif mine or anyone[i] > 0:
                    p._grad = wrap(avg.copy())
            b.reset()
        self._next = 0
        self._unfinished = unfinished or None

    def _next_all(self):
        while self._next < len(self._buckets):
            self._start(self._buckets[self._next])
            self._next += 1

    # ----- PyTorch's odds and ends ----------------------------------------
    def _set_static_graph(self):
        self.static_graph = True

    def register_comm_hook(self, state, hook):
        raise NotImplementedError("DistributedDataParallel.register_comm_hook is not implemented in torchlet")

    @contextlib.contextmanager
    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        yield

    def extra_repr(self):
        return ""
