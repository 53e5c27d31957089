"""torchlet.distributed: process groups and collectives on MPI (mpi4py).

    torchlet run --nproc 2 train.py            # or: mpiexec -n 2 python train.py
    dist.init_process_group("gloo")            # "gloo" runs on MPI too
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

mpi4py is imported by init_process_group, not by `import torchlet.distributed`.
"""

from ._state import *  # noqa: F403
from ._state import group
from ._reduce_op import ReduceOp, reduce_op
from ._work import Work
from ._collectives import *  # noqa: F403
from ._collectives import _all_gather_base, _reduce_scatter_base
