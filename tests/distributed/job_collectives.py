"""Every collective against a NumPy reference (run under mpiexec, any world size).
Each rank's input is a deterministic function of its rank, so every rank can
compute the expected result itself."""

import numpy as np
import torchlet as torch
import torchlet.distributed as dist

dist.init_process_group("gloo")
r, n = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "gloo"
assert dist.get_default_backend_for_device("cpu") == "gloo" and not dist.is_nccl_available()
assert dist.GroupMember.WORLD is not None


def data(rank, shape=(3, 4), dtype=np.float32):
    rng = np.random.RandomState(100 + rank)
    return (rng.standard_normal(shape) * 3).astype(dtype)


def close(t, ref, what):
    got = t.numpy()
    assert got.dtype == ref.dtype, (what, got.dtype, ref.dtype)
    assert np.allclose(got, ref, rtol=1e-5, atol=1e-5), (what, got, ref)


every = [data(k) for k in range(n)]
refs = {
    dist.ReduceOp.SUM: np.sum(every, 0),
    dist.ReduceOp.AVG: np.sum(every, 0) / n,
    dist.ReduceOp.MAX: np.max(every, 0),
    dist.ReduceOp.MIN: np.min(every, 0),
    dist.ReduceOp.PRODUCT: np.prod(every, 0),
}
for op, ref in refs.items():
    t = torch.from_numpy(data(r).copy())
    before = t._version[0]
    assert dist.all_reduce(t, op=op) is None
    close(t, ref.astype(np.float32), f"all_reduce {op}")
    assert t._version[0] > before
    t = torch.from_numpy(data(r).copy())
    dist.reduce(t, dst=n - 1, op=op)
    close(t, ref.astype(np.float32) if r == n - 1 else data(r), f"reduce {op}")

# integers, float64, float16, bool, non-contiguous views
ti = torch.arange(6).reshape(2, 3) * (r + 1)
dist.all_reduce(ti)
close(ti, np.arange(6).reshape(2, 3) * sum(range(1, n + 1)), "all_reduce int64")
td = torch.full((5,), float(r), dtype=torch.float64)
dist.all_reduce(td, op=dist.ReduceOp.MAX)
close(td, np.full(5, n - 1, np.float64), "all_reduce float64")
th = torch.full((4,), 0.5 + r, dtype=torch.float16)
dist.all_reduce(th)
close(th, np.full(4, sum(0.5 + k for k in range(n)), np.float16), "all_reduce float16")
tb = torch.tensor([r == 0, False, True])
dist.all_reduce(tb)
close(tb, np.array([True, False, True]), "all_reduce bool")
base = torch.from_numpy(data(r, (4, 6)).copy())
view = base[:, ::2]
dist.all_reduce(view)
close(base[:, ::2], np.sum([data(k, (4, 6))[:, ::2] for k in range(n)], 0), "all_reduce non-contiguous")
close(base[:, 1::2], data(r, (4, 6))[:, 1::2], "all_reduce leaves the rest")

# async: work handle
t = torch.from_numpy(data(r).copy())
work = dist.all_reduce(t, async_op=True)
assert work.wait() is True and work.is_completed()
close(t, refs[dist.ReduceOp.SUM], "async all_reduce")

# broadcast from the last rank
t = torch.from_numpy(data(r).copy())
dist.broadcast(t, src=n - 1)
close(t, data(n - 1), "broadcast")
w = dist.broadcast(torch.zeros(2), src=0, async_op=True)
w.wait()

# all_gather / all_gather_into_tensor
outs = [torch.zeros(3, 4) for _ in range(n)]
dist.all_gather(outs, torch.from_numpy(data(r)))
for k in range(n):
    close(outs[k], data(k), "all_gather")
big = torch.zeros(n * 3, 4)
dist.all_gather_into_tensor(big, torch.from_numpy(data(r)))
close(big, np.concatenate(every), "all_gather_into_tensor")
stacked = torch.zeros(n, 3, 4)
dist.all_gather_into_tensor(stacked, torch.from_numpy(data(r)))
close(stacked, np.stack(every), "all_gather_into_tensor stacked")

# gather / scatter to and from rank 1 (global ranks)
root = 1 % n
glist = [torch.zeros(3, 4) for _ in range(n)] if r == root else None
dist.gather(torch.from_numpy(data(r)), glist, dst=root)
if r == root:
    for k in range(n):
        close(glist[k], data(k), "gather")
out = torch.zeros(3, 4)
dist.scatter(out, [torch.from_numpy(data(10 + k)) for k in range(n)] if r == root else None, src=root)
close(out, data(10 + r), "scatter")

# reduce_scatter_tensor
inp = torch.from_numpy(data(r, (n * 2, 3)))
out = torch.zeros(2, 3)
dist.reduce_scatter_tensor(out, inp)
close(out, np.sum([data(k, (n * 2, 3)) for k in range(n)], 0)[2 * r : 2 * r + 2], "reduce_scatter_tensor")

# send / recv around a ring
nxt, prv = (r + 1) % n, (r - 1) % n
if n > 1:
    got = torch.zeros(3, 4)
    if r % 2 == 0:
        dist.send(torch.from_numpy(data(r)), dst=nxt)
        sender = dist.recv(got, src=prv)
    else:
        sender = dist.recv(got, src=prv)
        dist.send(torch.from_numpy(data(r)), dst=nxt)
    assert sender == prv
    close(got, data(prv), "send/recv")
    req = dist.isend(torch.from_numpy(data(r)), dst=nxt)
    got2 = torch.zeros(3, 4)
    dist.irecv(got2, src=prv).wait()
    req.wait()
    close(got2, data(prv), "isend/irecv")

# objects
objs = [{"rank": r, "s": "x" * r}, r] if r == 0 else [None, None]
dist.broadcast_object_list(objs, src=0)
assert objs == [{"rank": 0, "s": ""}, 0], objs
gathered = [None] * n
dist.all_gather_object(gathered, ("hello", r))
assert gathered == [("hello", k) for k in range(n)], gathered

# a subgroup of ranks {0, last}
sub = dist.new_group([0, n - 1])
if r in (0, n - 1):
    t = torch.tensor([float(r)])
    dist.all_reduce(t, group=sub)
    close(t, np.array([float(n - 1 if n > 1 else 0)], np.float32), "subgroup all_reduce")
    assert dist.get_world_size(sub) == (2 if n > 1 else 1)
else:
    assert sub is dist.GroupMember.NON_GROUP_MEMBER

# mismatched shapes: the same RuntimeError on every rank
if n > 1:
    try:
        dist.all_reduce(torch.zeros(2 + r))
    except RuntimeError as e:
        assert "rank 0: (2,)" in str(e) and "rank 1: (3,)" in str(e), str(e)
    else:
        raise AssertionError("mismatched shapes did not raise")

dist.barrier()
print(f"collectives ok rank {r}/{n}", flush=True)
dist.destroy_process_group()
assert not dist.is_initialized()
