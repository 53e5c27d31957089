"""torchlet.multiprocessing: shared tensors, queues that share storage, spawn's
error propagation, and Hogwild (several processes updating one model)."""

import numpy as np
import pytest
import torch

import torchlet
import torchlet.multiprocessing as mp


def test_share_memory_keeps_values_and_views():
    t = torchlet.arange(12.0).reshape(3, 4)
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    assert t.tolist() == torch.arange(12.0).reshape(3, 4).tolist()
    w = t[1]
    w.add_(100)
    assert t[1].tolist() == [104.0, 105.0, 106.0, 107.0]
    part = torchlet.zeros(4, 4)[1:, ::2]
    part.share_memory_()
    assert part.is_shared() and part._base.is_shared()
    part.fill_(1)
    assert part._base.sum().item() == 6
    m = torchlet.nn.Linear(3, 2)
    assert m.share_memory() is m and all(p.is_shared() for p in m.parameters())
    assert torch.zeros(2).is_shared() is False and torchlet.zeros(2).is_shared() is False


def _views_before_sharing(lib):
    """A base, and tensors on its memory made before share_memory_(): a view,
    a view of a view, a transposed view, detach() and a Parameter on it."""
    base = lib.arange(12.0).reshape(3, 4)
    return base, [base[1], base[:, 1:][::2], base.t(), base.detach(), lib.nn.Parameter(base)]


def test_share_memory_moves_the_storage_under_earlier_views():
    seen = {}
    for lib in (torch, torchlet):
        base, views = _views_before_sharing(lib)
        views[1].share_memory_()  # through a view: the whole storage moves, as in PyTorch
        with lib.no_grad():
            views[0].add_(100)
            views[4][2, 3] = -1
        seen[lib.__name__] = (base.is_shared(), [v.is_shared() for v in views], [v.tolist() for v in views])
    assert seen["torchlet"] == seen["torch"]
    assert seen["torch"][1] == [True] * 5


def _child_adds_through_a_view(t, done):
    t[0].add_(1)  # the child writes through a view of its own
    done.put(True)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_views_taken_before_share_memory_see_a_child_process_write(method):
    import torch.multiprocessing as tmp

    seen = {}
    for lib, mpm in ((torch, tmp), (torchlet, mp)):
        ctx = mpm.get_context(method)
        base, views = _views_before_sharing(lib)
        base.share_memory_()
        done = ctx.Queue()
        proc = ctx.Process(target=_child_adds_through_a_view, args=(base, done))
        proc.start()
        assert done.get(timeout=120)
        proc.join(120)
        seen[lib.__name__] = (proc.exitcode, [v.tolist() for v in views])
    assert seen["torchlet"] == seen["torch"]
    assert seen["torch"][1][3][0] == [1.0, 2.0, 3.0, 4.0]  # the child's write reached the earlier views


def _child_writes(q, done):
    t = q.get()
    t.add_(1)
    p = q.get()
    assert isinstance(p, torchlet.nn.Parameter) and p.requires_grad
    p.data.mul_(2)
    done.put(True)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_queue_shares_storage(method):
    ctx = mp.get_context(method)
    q, done = ctx.Queue(), ctx.Queue()
    t = torchlet.zeros(5)
    p = torchlet.nn.Parameter(torchlet.ones(3))
    proc = ctx.Process(target=_child_writes, args=(q, done))
    proc.start()
    q.put(t)
    q.put(p)
    assert done.get(timeout=60)
    proc.join(60)
    assert proc.exitcode == 0
    assert t.is_shared() and t.tolist() == [1.0] * 5 and p.tolist() == [2.0] * 3


def _fails(i, word):
    if i == 1:
        raise ValueError(f"bad {word}")


def _exits(i):
    import os

    if i == 0:
        os._exit(3)


@pytest.mark.parametrize("how", ["mpi", "process"])
def test_spawn_errors_like_torch(how, monkeypatch):
    """Both ways spawn starts workers (one mpiexec job, or the standard library's processes)."""
    if how == "mpi":
        from mpi_jobs import mpiexec

        mpiexec()
    monkeypatch.setenv("TORCHLET_SPAWN", how)
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.spawn(_fails, args=("thing",), nprocs=2)
    assert "-- Process 1 terminated with the following error:" in str(e.value)
    assert "ValueError: bad thing" in str(e.value) and e.value.error_index == 1
    with pytest.raises(mp.ProcessExitedException) as e:
        mp.spawn(_exits, nprocs=2)
    assert e.value.exit_code == 3 and "process 0 terminated with exit code 3" in str(e.value)
    ctx = mp.spawn(_fails, args=("x",), nprocs=1, join=False)
    while not ctx.join():
        pass
    assert mp.get_start_method(allow_none=True) in (None, "fork", "spawn", "forkserver")
    assert mp.spawn(_fails, args=("y",), nprocs=1) is None
    assert (
        mp.spawn is not torch.multiprocessing.spawn
        and mp.ProcessRaisedException.__name__ == torch.multiprocessing.ProcessRaisedException.__name__
    )


def _put_square(i, q):
    q.put((i, i * i))


def test_spawn_with_an_inherited_queue_falls_back_to_processes():
    """A Queue can only be inherited, so such a spawn runs on plain processes, as in PyTorch."""
    ctx = mp.get_context("spawn")
    q = ctx.SimpleQueue()
    assert mp.spawn(_put_square, args=(q,), nprocs=3) is None
    assert sorted(q.get() for _ in range(3)) == [(0, 0), (1, 1), (2, 4)]


def _rank_file(i, folder):
    import os

    with open(os.path.join(folder, f"{i}.txt"), "w") as f:
        f.write(f"{os.environ.get('PMI_SIZE')}")


def test_spawn_join_false_gives_a_context_of_one_mpi_job(tmp_path, monkeypatch):
    from mpi_jobs import mpiexec

    mpiexec()
    monkeypatch.setenv("TORCHLET_SPAWN", "mpi")
    ctx = mp.spawn(_rank_file, args=(str(tmp_path),), nprocs=2, join=False)
    while not ctx.join(timeout=30):
        pass
    # one MPI job of 2 ranks: what lets fn call init_process_group(rank=i, world_size=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.txt", "1.txt"]
    assert all(p.read_text() == "2" for p in tmp_path.iterdir())


def _hogwild_train(rank, model, steps):
    import torchlet.nn.functional as F

    torchlet.manual_seed(rank)
    opt = torchlet.optim.SGD(model.parameters(), lr=0.1)
    w = torchlet.tensor([[2.0, -1.0, 0.5]])
    for _ in range(steps):
        x = torchlet.randn(16, 3)
        y = x @ w.t()
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()


def test_hogwild_processes_train_one_model():
    torchlet.manual_seed(0)
    model = torchlet.nn.Linear(3, 1)
    model.share_memory()
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_hogwild_train, args=(r, model, 60)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    # only the children trained: the parent's model learned through shared memory
    assert np.allclose(model.weight.detach().numpy(), [[2.0, -1.0, 0.5]], atol=0.05)


def _child_updates_model(modname, model, q, done):
    import importlib

    lib = importlib.import_module(modname)
    with lib.no_grad():
        model.weight.add_(1.0)  # in place, on the parent's shared storage
        model.bias.zero_()
    back = lib.arange(3.0)
    back.share_memory_()
    q.put((model.weight.is_shared(), back))
    done.get()  # the file descriptor lives as long as its sender (PyTorch's file_descriptor strategy)


def _open_fds():
    import os

    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


def _shm_entries():
    import os

    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


@pytest.mark.parametrize("method", ["spawn", "fork", "forkserver"])
def test_process_args_share_parameters_as_torch_multiprocessing(method):
    """A model passed to a Process after share_memory() is the parent's model: the child's in-place
    updates are seen by the parent, and a tensor the child sends back is shared too; torch and
    torchlet side by side. Nothing is left in /dev/shm once the processes are gone."""
    import gc
    import torch.multiprocessing as tmp

    before_shm = _shm_entries()
    seen = {}
    for lib, mpm in ((torch, tmp), (torchlet, mp)):
        ctx = mpm.get_context(method)
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        w0 = model.weight.detach().clone()
        model.share_memory()
        q, done = ctx.Queue(), ctx.Queue()
        fds = _open_fds()
        proc = ctx.Process(target=_child_updates_model, args=(lib.__name__, model, q, done))
        proc.start()
        child_shared, back = q.get(timeout=120)
        done.put(True)
        proc.join(120)
        seen[lib.__name__] = (
            proc.exitcode,
            child_shared,
            back.is_shared(),
            back.tolist(),
            (model.weight - w0).tolist(),
            model.bias.tolist(),
            model.weight.is_shared(),
        )
        del model, back, w0, proc
        gc.collect()
        new_fds = _open_fds() - fds  # torch's first forkserver run opens the server's socket
    assert seen["torchlet"] == seen["torch"]
    assert not new_fds  # torchlet's maps and their descriptors are released
    assert seen["torch"][0] == 0 and np.allclose(seen["torch"][4], 1.0)
    left = {n for n in _shm_entries() - before_shm if "torchlet" in n}
    assert not left
