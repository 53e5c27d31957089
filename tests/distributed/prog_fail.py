"""Launcher check: every rank joins, then rank 1 fails as argv[1] says
(raise / raise-long / exit / kill / ok) while rank 0 waits in a collective."""

import os
import sys

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
print(f"hello from rank {rank} of {dist.get_world_size()} local {os.environ['LOCAL_RANK']}")
if rank == 1:
    if sys.argv[1] == "raise":
        raise ValueError("rank 1 fails on purpose")
    if sys.argv[1] == "raise-long":  # more than a pipe holds: written in pieces, cut by an abort
        raise ValueError("rank 1 fails at length " + "x" * 200_000 + " end")
    if sys.argv[1] == "exit":
        sys.exit(4)
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), 9)
t = torch.ones(3)
dist.all_reduce(t)  # rank 0 waits here for a rank that is gone
print(f"rank {rank} sum {t.tolist()}")
