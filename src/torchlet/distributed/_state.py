"""Process groups on MPI communicators.

The world group wraps MPI.COMM_WORLD (reordered by RANK when our launcher set
it); `new_group` splits it. Collectives take global ranks for src/dst, as
PyTorch does, and translate them with the group's rank list.
"""

import os

__all__ = [
    "ProcessGroup",
    "GroupMember",
    "Backend",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_gloo_available",
    "init_process_group",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "get_backend",
    "get_default_backend_for_device",
    "new_group",
    "get_process_group_ranks",
    "get_global_rank",
    "get_group_rank",
]


def _mpi():
    """mpi4py's MPI module, or PyTorch's error for a build without the backend."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(
            "Distributed package doesn't have MPI built in: install mpi4py and an MPI "
            "(pip install 'torchlet[distributed]')"
        ) from None
    return MPI


def is_available():
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


is_mpi_available = is_gloo_available = is_available


def is_nccl_available():
    return False


class Backend(str):
    """Backend names; "gloo" (and "cpu:gloo") run on MPI."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        return super().__new__(cls, name.lower())


def get_default_backend_for_device(device):
    kind = getattr(device, "type", str(device)).split(":")[0]
    if kind == "cpu":
        return "gloo"
    if kind == "cuda":
        return "nccl"
    raise RuntimeError(f"Default backend not registered for device : {device}")


class ProcessGroup:
    """A set of ranks with its own MPI communicator."""

    def __init__(self, comm, ranks, backend):
        self._comm = comm
        self._ranks = list(ranks)  # global rank of each group rank
        self._backend = backend

    def rank(self):
        return self._comm.Get_rank()

    def size(self):
        return self._comm.Get_size()

    def name(self):
        return self._backend

    def __repr__(self):
        return f"<torchlet.distributed.ProcessGroup backend={self._backend} ranks={self._ranks}>"


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # torch.distributed.group.WORLD


def is_initialized():
    return GroupMember.WORLD is not None


def _default():
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call init_process_group.")
    return GroupMember.WORLD


def _group(g):
    if g is None or g is GroupMember.WORLD:
        return _default()
    if g is GroupMember.NON_GROUP_MEMBER:
        raise RuntimeError("The given group does not contain this rank")
    return g


_BACKENDS = ("mpi", "gloo", "cpu:gloo", "cpu:mpi", "undefined")


def init_process_group(
    backend=None,
    init_method=None,
    timeout=None,
    world_size=-1,
    rank=-1,
    store=None,
    group_name="",
    pg_options=None,
    device_id=None,
):
    """Join the world: MPI's own ranks under mpiexec/srun, or the RANK/WORLD_SIZE
    that our launcher (torchlet run --nproc, torchlet.distributed.run) set."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "gloo" if backend is None else str(backend).lower()
    if name not in _BACKENDS:
        if name == "nccl":
            raise RuntimeError("Distributed package doesn't have NCCL built in")
        raise ValueError(f"Invalid backend: '{backend}'")
    MPI = _mpi()
    world = MPI.COMM_WORLD
    env_rank = rank if rank is not None and rank >= 0 else int(os.environ.get("RANK", world.Get_rank()))
    env_size = (
        world_size
        if world_size is not None and world_size >= 0
        else int(os.environ.get("WORLD_SIZE", world.Get_size()))
    )
    if env_size != world.Get_size():
        raise RuntimeError(
            f"world_size={env_size} but MPI started {world.Get_size()} processes: start "
            f"the ranks with `torchlet run --nproc {env_size}` or `mpiexec -n {env_size}`"
        )
    comm = world.Split(0, env_rank)  # a communicator of our own, ordered by RANK
    if comm.Get_rank() != env_rank:
        raise RuntimeError(f"rank {env_rank} given twice or missing among {env_size} processes")
    GroupMember.WORLD = ProcessGroup(comm, range(env_size), "mpi" if name == "mpi" else "gloo")
    from ._fault import install, watch

    install()
    watch(comm, range(env_size))


def destroy_process_group(group=None):
    g = GroupMember.WORLD if group is None else group
    if g is None or g is GroupMember.NON_GROUP_MEMBER:
        return
    try:
        g._comm.Free()
    except Exception:
        pass
    if g is GroupMember.WORLD:
        GroupMember.WORLD = None


def get_rank(group=None):
    if group is None and GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call init_process_group.")
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group=None):
    return _group(group)._backend


def new_group(
    ranks=None,
    timeout=None,
    backend=None,
    pg_options=None,
    use_local_synchronization=False,
    group_desc=None,
    device_id=None,
):
    """Every rank calls it; ranks outside `ranks` get GroupMember.NON_GROUP_MEMBER."""
    world = _default()
    ranks = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    for r in ranks:
        if not 0 <= r < world.size():
            raise ValueError(f"Invalid rank {r}: the world has {world.size()} ranks")
    me = world.rank()
    MPI = _mpi()
    comm = world._comm.Split(0 if me in ranks else MPI.UNDEFINED, ranks.index(me) if me in ranks else 0)
    if me not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks, backend or world._backend)


def get_process_group_ranks(group):
    return list(_group(group)._ranks)


def get_global_rank(group, group_rank):
    return _group(group)._ranks[group_rank]


def get_group_rank(group, global_rank):
    g = _group(group)
    if global_rank not in g._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {g}")
    return g._ranks.index(global_rank)
