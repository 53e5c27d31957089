"""DistributedDataParallel on MPI.

Construction broadcasts rank 0's parameters and buffers. Parameters are cut
into buckets of about `bucket_cap_mb` (the first one 1 MB, as PyTorch's), in
reverse registration order (the order backward tends to produce gradients).
A post-accumulate-grad hook per parameter copies its gradient, divided by the
world size, into the bucket's flat buffer (made once); when a bucket's last
gradient lands, a non-blocking all-reduce (Iallreduce) of the buffer starts
while backward goes on computing earlier layers. Buckets start in order, so
every rank issues the same sequence of collectives. A callback queued on the
engine runs once backward is done: it starts buckets whose parameters got no
gradient (unused), waits for all requests and makes `.grad` the averages:
the bucket's slot itself with gradient_as_bucket_view=True (no copy), else a
copy into the existing `.grad`.

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


_FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed's _DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    """Parameters whose gradients are all-reduced together, in one flat buffer
    made once: each gradient is copied into its slot (already divided by the
    world size) as soon as backward produces it, then one Iallreduce sums the
    buffer in place. The buffer ends with one flag per parameter (1 = this
    rank produced its gradient)."""

    __slots__ = ("params", "pending", "request", "flat", "views", "flags", "used")

    def __init__(self, params):
        self.params = params
        dtype = params[0]._data.dtype
        sizes = [p._data.size for p in params]
        self.flat = np.zeros(sum(sizes) + len(params), dtype)
        self.views, at = [], 0
        for p, k in zip(params, sizes):
            self.views.append(self.flat[at : at + k].reshape(p._data.shape))
            at += k
        self.flags = self.flat[at:]
        self.reset()

    def reset(self):
        self.pending = len(self.params)
        self.request = None
        self.used = [False] * len(self.params)


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
        # as PyTorch: with the default cap the first bucket (the last layers) is 1 MB, so that
        # communication starts early in backward
        self._first_bucket_bytes = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
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
        self._bucket_of = {}  # id(param) -> (bucket, index in it)
        for b in self._buckets:
            for i, p in enumerate(b.params):
                self._bucket_of[id(p)] = (b, i)
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
            cap = self._first_bucket_bytes if not buckets else self.bucket_bytes_cap
            if cur and (size + nbytes > cap or p._data.dtype != dtype):
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
                self._bucket_of[id(p)][0].pending -= 1

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
        bucket, i = self._bucket_of[id(p)]
        g = p._grad
        if g is not None:
            slot = bucket.views[i]
            if g._data is slot:  # gradient_as_bucket_view: backward accumulated into the bucket itself
                slot *= 1.0 / self._world
            else:
                np.multiply(g._data, 1.0 / self._world, out=slot, casting="unsafe")
            bucket.used[i] = True
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
        """Zero the slots no gradient was copied into, set the flags, start the sum."""
        from mpi4py import MPI

        for i, mine in enumerate(bucket.used):
            if not mine:
                bucket.views[i][...] = 0
        bucket.flags[...] = bucket.used
        bucket.request = self.process_group._comm.Iallreduce(MPI.IN_PLACE, bucket.flat, op=MPI.SUM)

    def _finish(self):
        """d(loss)/dp on every rank = (1/n) sum over ranks of each rank's gradient:
        the slots were divided by n before the sum. `.grad` becomes the bucket's
        slot itself with gradient_as_bucket_view=True, else the slot is copied
        into it (PyTorch's two modes)."""
        from mpi4py import MPI
        from ..._tensor import wrap

        self._queued = False
        unfinished = [p for p in self._params if id(p) not in self._ready and id(p) not in self._skip]
        self._next_all()
        self._ready = set()
        self._skip = set()
        MPI.Request.Waitall([b.request for b in self._buckets])
        as_view = self.gradient_as_bucket_view
        for b in self._buckets:
            for p, mine, avg, anyone in zip(b.params, b.used, b.views, b.flags):
                g = p._grad
                if not (mine or anyone > 0):
                    continue
                if g is None or not (g._data is avg or g._data.flags.writeable):
                    p._grad = wrap(avg if as_view else avg.copy())
                else:
                    if g._data is not avg:
                        if as_view:
                            g._data = avg
                        else:
                            g._data[...] = avg
                    g._version[0] += 1
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
