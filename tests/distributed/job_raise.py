"""Plain mpiexec (no launcher): rank 1 raises after init_process_group while
rank 0 waits in a collective; the excepthook prints and aborts the world."""

import torchlet as torch
import torchlet.distributed as dist

dist.init_process_group("mpi")
assert dist.get_backend() == "mpi"
if dist.get_rank() == 1:
    raise KeyError("rank 1 raises")
t = torch.ones(2)
dist.all_reduce(t)
print("rank 0 should never get here", flush=True)
