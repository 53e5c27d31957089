"""Exit-status-0 check: rank 1 ends normally (argv[1] = "exit0": sys.exit(0);
"return": the program simply ends; "destroy": after destroy_process_group)
while rank 0 waits for it in a collective, or, with "ok", while rank 0 goes on
working without one (a healthy job)."""

import sys
import time

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
t = torch.ones(2)
dist.all_reduce(t)
how = sys.argv[1]
if rank == 1:
    print(f"rank 1 leaves ({how})")
    if how == "destroy":
        dist.destroy_process_group()
    if how == "exit0":
        sys.exit(0)
else:
    if how == "ok":
        time.sleep(3)  # longer than the watchdog's grace: rank 1 has left, no collective here
        print(f"rank 0 finished alone {t.tolist()}")
    else:
        dist.all_reduce(t)  # rank 1 never joins this one
        print("rank 0 was not stopped")
