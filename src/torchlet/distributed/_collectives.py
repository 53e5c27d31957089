"""Collectives with PyTorch's signatures and in-place semantics, on MPI.

Each public collective first checks, with one tiny all-reduce, that every rank
passed the same shapes and dtypes: a mismatch raises the same RuntimeError on
every rank (naming each rank's shape) instead of corrupting memory or hanging.
src/dst are global ranks, as in PyTorch.
"""

import zlib

import numpy as np

from . import _buffers as B
from ._reduce_op import ReduceOp, average, mpi_op
from ._state import _group, get_group_rank
from ._work import Work

__all__ = [
    "barrier",
    "broadcast",
    "all_reduce",
    "reduce",
    "all_gather",
    "all_gather_into_tensor",
    "gather",
    "scatter",
    "reduce_scatter_tensor",
    "reduce_scatter",
    "all_to_all_single",
    "send",
    "recv",
    "isend",
    "irecv",
    "broadcast_object_list",
    "all_gather_object",
    "gather_object",
    "scatter_object_list",
    "monitored_barrier",
]


def _sig(t):
    """What must match across ranks, printable: (shape, dtype) or None."""
    return (tuple(t.shape), str(t.dtype)) if t is not None else None


_DTYPE_CODE = {}  # numpy dtype -> a number that is the same in every process (hash() of a str is not)


def _key(*tensors):
    """A number that is equal on two ranks when their tensors' shapes and dtypes
    are (a few microseconds: this runs before every collective)."""
    parts = []
    for t in tensors:
        if t is None:
            parts.append(-1)
            continue
        a = t._data
        code = _DTYPE_CODE.get(a.dtype)
        if code is None:
            code = _DTYPE_CODE[a.dtype] = zlib.crc32(a.dtype.str.encode() + a.dtype.name.encode())
        parts.append((a.shape, code))
    return hash(tuple(parts)) & 0x3FFFFFFFFFFFFFFF  # a tuple of ints hashes the same in every process


def _check(g, name, *tensors):
    """Same shapes and dtypes on every rank of g, or RuntimeError everywhere:
    one all-reduce of two int64 (MAX of h and of -h: equal iff every rank's h is)."""
    if g._comm.Get_size() == 1:
        return
    from mpi4py import MPI

    h = _key(*tensors)
    box = np.array([h, -h], dtype=np.int64)
    g._comm.Allreduce(MPI.IN_PLACE, box, op=MPI.MAX)
    if box[0] == h and -box[1] == h:
        return
    sig = _sig(tensors[0]) if len(tensors) == 1 else tuple(_sig(t) for t in tensors)
    sigs = g._comm.allgather(sig)
    seen = ", ".join(
        f"rank {g._ranks[i]}: {s[0] if s else None} {s[1] if s else ''}".rstrip() for i, s in enumerate(sigs)
    )
    raise RuntimeError(f"{name}: tensors differ between ranks ({seen}); every rank must pass the same shape and dtype")


def _done(requests, finish, async_op):
    work = Work(requests, finish)
    if async_op:
        return work
    work.wait()
    return None


def _root(g, rank, what):
    try:
        return get_group_rank(g, rank)
    except ValueError:
        raise ValueError(f"{what} rank {rank} is not part of the group") from None


def barrier(group=None, async_op=False, device_ids=None):
    g = _group(group)
    return _done([g._comm.Ibarrier()], None, async_op)


monitored_barrier = barrier


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    g = _group(group)
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "src")
    _check(g, "broadcast", tensor)
    a = B.array(tensor)
    req = g._comm.Ibcast(B.as_bytes(a), root=root)
    return _done([req], lambda: B.write_back(tensor, a), async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    g = _group(group)
    _check(g, "all_reduce", tensor)
    return _all_reduce(g, tensor, op, async_op)


def _all_reduce(g, tensor, op, async_op):
    from mpi4py import MPI

    a = B.array(tensor)
    r, back = B.reducible(a)
    n = g.size()
    if not async_op and op is ReduceOp.SUM and back is None:  # the common case: one blocking call
        g._comm.Allreduce(MPI.IN_PLACE, r, op=mpi_op(op, a.dtype))
        B.write_back(tensor, a)
        return None
    req = g._comm.Iallreduce(MPI.IN_PLACE, r, op=mpi_op(op, a.dtype))

    def finish():
        if op is ReduceOp.AVG:
            average(r, n)
        if back is not None:
            back(r)
        B.write_back(tensor, a)

    return _done([req], finish, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    from mpi4py import MPI

    g = _group(group)
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "dst")
    _check(g, "reduce", tensor)
    a = B.array(tensor)
    r, back = B.reducible(a)
    me = g.rank()
    send = MPI.IN_PLACE if me == root else r
    req = g._comm.Ireduce(send, r if me == root else None, op=mpi_op(op, a.dtype), root=root)

    def finish():
        if me != root:
            return
        if op is ReduceOp.AVG:
            average(r, g.size())
        if back is not None:
            back(r)
        B.write_back(tensor, a)

    return _done([req], finish, async_op)


def _same(t, ref, name):
    if tuple(t.shape) != tuple(ref.shape) or t.dtype != ref.dtype:
        raise RuntimeError(
            f"{name}: output tensor of shape {list(t.shape)} ({t.dtype}) does not match the "
            f"input of shape {list(ref.shape)} ({ref.dtype})"
        )


def all_gather(tensor_list, tensor, group=None, async_op=False):
    g = _group(group)
    _check(g, "all_gather", tensor)
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for {g.size()} ranks")
    for t in tensor_list:
        _same(t, tensor, "all_gather")
    a = B.array(tensor)
    out = np.empty((g.size(),) + a.shape, a.dtype)
    req = g._comm.Iallgather(B.as_bytes(a), B.as_bytes(out))

    def finish():
        for t, part in zip(tensor_list, out):
            t._data[...] = part
            t._version[0] += 1

    return _done([req], finish, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    g = _group(group)
    _check(g, "all_gather_into_tensor", input_tensor)
    if output_tensor.numel() != input_tensor.numel() * g.size() or output_tensor.dtype != input_tensor.dtype:
        raise ValueError(
            f"all_gather_into_tensor: output tensor of shape {list(output_tensor.shape)} must hold "
            f"{g.size()} inputs of shape {list(input_tensor.shape)} ({input_tensor.dtype})"
        )
    a = B.array(input_tensor)
    out = B.array(output_tensor)
    req = g._comm.Iallgather(B.as_bytes(a), B.as_bytes(out))
    return _done([req], lambda: B.write_back(output_tensor, out), async_op)


_all_gather_base = all_gather_into_tensor


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    g = _group(group)
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "dst")
    _check(g, "gather", tensor)
    me = g.rank()
    if me == root:
        if gather_list is None or len(gather_list) != g.size():
            raise ValueError(f"gather: the destination rank needs a gather_list of {g.size()} tensors")
        for t in gather_list:
            _same(t, tensor, "gather")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    a = B.array(tensor)
    out = np.empty((g.size(),) + a.shape, a.dtype) if me == root else None
    req = g._comm.Igather(B.as_bytes(a), B.as_bytes(out) if out is not None else None, root=root)

    def finish():
        if out is not None:
            for t, part in zip(gather_list, out):
                t._data[...] = part
                t._version[0] += 1

    return _done([req], finish, async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    g = _group(group)
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "src")
    _check(g, "scatter", tensor)
    me = g.rank()
    send = None
    if me == root:
        if scatter_list is None or len(scatter_list) != g.size():
            raise ValueError(f"scatter: the source rank needs a scatter_list of {g.size()} tensors")
        for t in scatter_list:
            _same(t, tensor, "scatter")
        send = np.stack([B.array(t) for t in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    a = B.array(tensor)
    req = g._comm.Iscatter(B.as_bytes(send) if send is not None else None, B.as_bytes(a), root=root)
    return _done([req], lambda: B.write_back(tensor, a), async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    g = _group(group)
    _check(g, "reduce_scatter_tensor", output, input)
    if input.numel() != output.numel() * g.size() or input.dtype != output.dtype:
        raise ValueError(
            f"reduce_scatter_tensor: input of shape {list(input.shape)} must hold {g.size()} "
            f"outputs of shape {list(output.shape)} ({output.dtype})"
        )
    src, _ = B.reducible(B.array(input))
    a = B.array(output)
    r, back = B.reducible(a)
    if r is a and a is output._data and not a.flags.writeable:
        r = a.copy()
    req = g._comm.Ireduce_scatter_block(src, r, op=mpi_op(op, a.dtype))

    def finish():
        if op is ReduceOp.AVG:
            average(r, g.size())
        if back is not None:
            back(r)
        B.write_back(output, a)

    return _done([req], finish, async_op)


_reduce_scatter_base = reduce_scatter_tensor


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    from ..ops.joining import stack

    return reduce_scatter_tensor(output, stack(list(input_list)), op, group, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    g = _group(group)
    if output_split_sizes or input_split_sizes:
        raise NotImplementedError("all_to_all_single with split sizes")
    _check(g, "all_to_all_single", output, input)
    a, out = B.array(input), B.array(output)
    req = g._comm.Ialltoall(B.as_bytes(a), B.as_bytes(out))
    return _done([req], lambda: B.write_back(output, out), async_op)


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    g = _group(group)
    peer = group_dst if group_dst is not None else _root(g, dst, "dst")
    a = B.array(tensor)
    return Work([g._comm.Isend(B.as_bytes(a), dest=peer, tag=tag)])


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    from mpi4py import MPI

    g = _group(group)
    peer = (
        MPI.ANY_SOURCE
        if src is None and group_src is None
        else (group_src if group_src is not None else _root(g, src, "src"))
    )
    a = B.array(tensor)
    status = MPI.Status()
    req = g._comm.Irecv(B.as_bytes(a), source=peer, tag=tag)
    work = Work([req], lambda: B.write_back(tensor, a))
    work._status = status
    return work


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Returns the sender's global rank."""
    from mpi4py import MPI

    g = _group(group)
    peer = (
        MPI.ANY_SOURCE
        if src is None and group_src is None
        else (group_src if group_src is not None else _root(g, src, "src"))
    )
    a = B.array(tensor)
    status = MPI.Status()
    try:
        g._comm.Recv(B.as_bytes(a), source=peer, tag=tag, status=status)
    except MPI.Exception as e:
        raise RuntimeError(
            f"recv into a tensor of shape {list(tensor.shape)} ({tensor.dtype}) failed: {e.Get_error_string()}"
        ) from None
    B.write_back(tensor, a)
    return g._ranks[status.Get_source()]


# ----- objects (pickled, like PyTorch's object collectives) ---------------------
def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    g = _group(group)
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "src")
    objs = g._comm.bcast(list(object_list) if g.rank() == root else None, root=root)
    object_list[:] = objs[: len(object_list)]


def all_gather_object(object_list, obj, group=None):
    g = _group(group)
    if len(object_list) != g.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries for {g.size()} ranks")
    object_list[:] = g._comm.allgather(obj)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    g = _group(group)
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "dst")
    got = g._comm.gather(obj, root=root)
    if g.rank() == root:
        object_gather_list[:] = got


def scatter_object_list(
    scatter_object_output_list, scatter_object_input_list=None, src=None, group=None, group_src=None
):
    g = _group(group)
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "src")
    scatter_object_output_list[0] = g._comm.scatter(
        list(scatter_object_input_list) if g.rank() == root else None, root=root
    )
