"""DDP on N ranks, each on its 1/N of the batch, against one process on the whole
batch (computed on every rank): parameters must agree after several steps.
Also no_sync, find_unused_parameters, state_dict keys, SyncBatchNorm."""

import numpy as np
import torchlet as torch
import torchlet.distributed as dist
import torchlet.nn as nn
import torchlet.nn.functional as F
from torchlet.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
r, n = dist.get_rank(), dist.get_world_size()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 3)
        self.unused = nn.Linear(2, 2)

    def forward(self, x, use_all=False):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = self.fc2(F.relu(self.fc1(x.flatten(1))))
        if use_all:
            x = x + self.unused(x[:, :2]).sum()
        return x


def batch(step, size=4 * n):
    rng = np.random.RandomState(step)
    x = rng.standard_normal((size, 1, 10, 10)).astype(np.float32)
    y = rng.randint(0, 3, size)
    return torch.from_numpy(x), torch.from_numpy(y)


def params(m):
    return {k: v.detach().numpy().copy() for k, v in m.named_parameters()}


def same(a, b, what, tol=1e-5):
    for k in a:
        assert np.allclose(a[k], b[k], rtol=tol, atol=tol), (what, k, np.abs(a[k] - b[k]).max())


torch.manual_seed(1 + r)  # different on each rank: DDP must broadcast rank 0's
model = Net()
torch.manual_seed(1)
ref = Net()
ddp = DDP(model, bucket_cap_mb=0.0005, find_unused_parameters=True)  # tiny buckets: several of them
assert len(ddp._buckets) > 2
assert ddp.module is model
same(params(model), params(ref), "broadcast at construction", 0)
keys = list(ddp.state_dict())
assert keys and all(k.startswith("module.") for k in keys), keys

opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
per = 4
for step in range(4):
    x, y = batch(step)
    opt.zero_grad()
    F.cross_entropy(ddp(x[r * per : (r + 1) * per]), y[r * per : (r + 1) * per]).backward()
    assert model.unused.weight.grad is None  # unused everywhere: left alone
    opt.step()
    ref_opt.zero_grad()
    F.cross_entropy(ref(x), y).backward()
    ref_opt.step()
same(params(model), params(ref), "DDP steps vs one process")

# no_sync: two local micro-batches accumulate, the third (synced) averages all
opt.zero_grad()
ref_opt.zero_grad()
x, y = batch(10)
for micro in range(3):
    xs = x[r * per : (r + 1) * per]
    ys = y[r * per : (r + 1) * per]
    if micro < 2:
        with ddp.no_sync():
            F.cross_entropy(ddp(xs), ys).backward()
    else:
        F.cross_entropy(ddp(xs), ys).backward()
    F.cross_entropy(ref(x), y).backward()
grads = {k: p.grad.numpy() for k, p in model.named_parameters() if p.grad is not None}
ref_grads = {k: p.grad.numpy() for k, p in ref.named_parameters() if p.grad is not None}
same(grads, ref_grads, "no_sync accumulation")

# a parameter used on one rank only gets the average (zeros from the others)
opt.zero_grad()
ref_opt.zero_grad()
F.cross_entropy(ddp(x[r * per : (r + 1) * per], use_all=(r == 0)), y[r * per : (r + 1) * per]).backward()
assert model.unused.weight.grad is not None
F.cross_entropy(ref(x[:per], use_all=True), y[:per]).backward()
assert np.allclose(model.unused.weight.grad.numpy(), ref.unused.weight.grad.numpy() / n, atol=1e-6)

# without find_unused_parameters an unused parameter is PyTorch's error at the next forward
torch.manual_seed(1)
strict = DDP(Net())
F.cross_entropy(strict(x[:per]), y[:per]).backward()
try:
    strict(x[:per])
except RuntimeError as e:
    assert "Expected to have finished reduction" in str(e) and "unused.weight" in str(e)
else:
    raise AssertionError("no error for an unused parameter")

# SyncBatchNorm on 1/N of the batch == BatchNorm on all of it (output, grads, running stats)
torch.manual_seed(3)
bn = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3))
sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3)))
assert isinstance(sync[1], nn.SyncBatchNorm)
sync.load_state_dict(bn.state_dict())
sddp = DDP(sync)
rng = np.random.RandomState(5)
xb = torch.from_numpy(rng.standard_normal((2 * n, 2, 3, 3)).astype(np.float32))
wb = torch.from_numpy(rng.standard_normal((2 * n, 3, 3, 3)).astype(np.float32))
mine = slice(2 * r, 2 * r + 2)
xs = xb[mine].clone().requires_grad_()
out = sddp(xs)
(out * wb[mine]).sum().backward()
xf = xb.clone().requires_grad_()
full = bn(xf)
(full * wb).sum().backward()
assert np.allclose(out.detach().numpy(), full.detach().numpy()[mine], atol=1e-5)
assert np.allclose(xs.grad.numpy(), xf.grad.numpy()[mine], atol=1e-5)
for k in ("running_mean", "running_var"):
    assert np.allclose(getattr(sync[1], k).numpy(), getattr(bn[1], k).numpy(), atol=1e-5), k
# parameter gradients are averaged by DDP: the full-batch sum divided by n
assert np.allclose(sync[1].weight.grad.numpy(), bn[1].weight.grad.numpy() / n, atol=1e-5)

# gradient_as_bucket_view: .grad is the bucket's memory itself, with zero_grad to None or to zeros;
# the default mode copies into .grad, which never aliases a bucket
for as_view in (True, False):
    torch.manual_seed(1)
    m2, ref2 = Net(), Net()
    ref2.load_state_dict(m2.state_dict())
    d2 = DDP(m2, bucket_cap_mb=0.0005, gradient_as_bucket_view=as_view, find_unused_parameters=True)
    o2 = torch.optim.SGD(d2.parameters(), lr=0.1, momentum=0.9)
    r2 = torch.optim.SGD(ref2.parameters(), lr=0.1, momentum=0.9)
    for step in range(4):
        x, y = batch(20 + step)
        o2.zero_grad(set_to_none=step % 2 == 0)
        F.cross_entropy(d2(x[r * per : (r + 1) * per]), y[r * per : (r + 1) * per]).backward()
        o2.step()
        r2.zero_grad()
        F.cross_entropy(ref2(x), y).backward()
        r2.step()
        on_bucket = [
            any(np.shares_memory(p.grad.numpy(), b.flat) for b in d2._buckets)
            for p in m2.parameters()
            if p.grad is not None
        ]
        assert on_bucket and all(v == as_view for v in on_bucket), (as_view, on_bucket)
    same(params(m2), params(ref2), f"DDP steps, gradient_as_bucket_view={as_view}")

# bucket sizes as PyTorch's: with the default cap the first bucket (the last layers) holds 1 MB
big = nn.Sequential(nn.Linear(300, 300), nn.Linear(300, 300), nn.Linear(300, 300), nn.Linear(300, 10))
sizes = [sum(p.numel() * 4 for p in b.params) for b in DDP(big)._buckets]
assert len(sizes) == 2 and sizes[0] <= 1024 * 1024 < sizes[0] + 300 * 300 * 4 and sizes[1] <= 25 * 1024 * 1024, sizes
assert len(DDP(big, bucket_cap_mb=25)._buckets) == 1

print(f"ddp ok rank {r}/{n}", flush=True)
