"""DataLoader vs torch.utils.data.DataLoader: batches, argument errors, and worker
processes (order, seeding, errors, dead workers, timeouts, shutdown, sharding)."""

import gc
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import torchlet
from torchlet.utils import data as D

from test_data import _same_structure


class Samples(D.Dataset):
    """(float32 image, int label, str name, dict) samples from NumPy."""

    def __init__(self, n=23):
        self.x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)

    def __getitem__(self, i):
        return self.x[i], i % 4, f"s{i}", {"w": float(i) / 2}

    def __len__(self):
        return len(self.x)


def _torch_dataset(torch):
    return type(
        "T",
        (torch.utils.data.Dataset,),
        {"__init__": Samples.__init__, "__getitem__": Samples.__getitem__, "__len__": Samples.__len__},
    )()


@pytest.mark.parametrize(
    "kw",
    [
        dict(batch_size=5),
        dict(batch_size=5, drop_last=True),
        dict(batch_size=23),
        dict(batch_size=1),
        dict(batch_size=None),
        dict(batch_size=4, num_workers=2),
    ],
)
def test_batches_match_torch(torch, kw):
    ours = D.DataLoader(Samples(), **kw)
    theirs = torch.utils.data.DataLoader(_torch_dataset(torch), **{**kw, "num_workers": 0})
    assert len(ours) == len(theirs)
    a, b = list(ours), list(theirs)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        _same_structure(x, y)


def test_tensor_dataset_last_partial_batch(torch):
    x = np.random.rand(10, 3).astype(np.float32)
    y = np.arange(10)
    for dl in (False, True):
        ours = [
            tuple(t.numpy() for t in b)
            for b in D.DataLoader(D.TensorDataset(torchlet.tensor(x), torchlet.tensor(y)), 4, drop_last=dl)
        ]
        theirs = [
            tuple(t.numpy() for t in b)
            for b in torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), 4, drop_last=dl
            )
        ]
        assert len(ours) == len(theirs) == (2 if dl else 3)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])


def test_shuffle_reproducible_and_generator():
    ds = list(range(40))
    torchlet.manual_seed(3)
    a = [b.tolist() for b in D.DataLoader(ds, batch_size=8, shuffle=True)]
    torchlet.manual_seed(3)
    b = [b.tolist() for b in D.DataLoader(ds, batch_size=8, shuffle=True)]
    assert a == b and sorted(sum(a, [])) == ds and sum(a, []) != ds
    g = lambda: torchlet.Generator().manual_seed(11)
    c = [b.tolist() for b in D.DataLoader(ds, batch_size=8, shuffle=True, generator=g())]
    d = [b.tolist() for b in D.DataLoader(ds, batch_size=8, shuffle=True, generator=g())]
    assert c == d
    loader = D.DataLoader(ds, batch_size=8, shuffle=True)
    assert [b.tolist() for b in loader] != [b.tolist() for b in loader]  # new order each epoch


ERRORS = [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kw", ERRORS)
def test_argument_errors(torch, kw):
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(list(range(4)), **kw)
    with pytest.raises(theirs.type) as ours:
        D.DataLoader(list(range(4)), **kw)
    assert str(ours.value) == str(theirs.value)


class Stream(D.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = D.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_errors_and_len(torch):
    class TStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(10))

        def __len__(self):
            return 10

    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.DataLoader(TStream(), **kw)
        with pytest.raises(ValueError) as ours:
            D.DataLoader(Stream(10), **kw)
        assert str(ours.value).split(", but got")[0] == str(theirs.value).split(", but got")[0]
    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        ours, theirs = D.DataLoader(Stream(10), **kw), torch.utils.data.DataLoader(TStream(), **kw)
        assert len(ours) == len(theirs)
        assert [np.asarray(b).tolist() for b in ours] == [np.asarray(b).tolist() for b in theirs]


def test_setattr_after_init(torch):
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader"):
        D.DataLoader([1]).batch_size = 3
    loader = D.DataLoader([1])
    loader.num_workers = 0  # allowed, as in torch


def test_single_process_timeout_assertion(torch):
    with pytest.raises(AssertionError, match="requires timeout == 0"):
        iter(D.DataLoader(range(3), timeout=1))


# ----- worker processes ---------------------------------------------------------------------
def _children():
    gc.collect()  # iterators referenced only from finished exceptions' tracebacks
    return [p for p in multiprocessing.active_children()]


def test_workers_equal_no_workers():
    ds = Samples(37)
    for kw in (dict(batch_size=5), dict(batch_size=5, drop_last=True), dict(batch_size=None)):
        a = list(D.DataLoader(ds, **kw))
        b = list(D.DataLoader(ds, num_workers=2, **kw))
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same_structure_tl(x, y)
    assert _children() == []


def _same_structure_tl(a, b):
    if isinstance(a, torchlet.Tensor):
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, dict):
        for k in a:
            _same_structure_tl(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same_structure_tl(x, y)
    else:
        assert a == b


class Slow(D.Dataset):
    """Later items are faster, so results arrive out of order and must be reordered."""

    def __getitem__(self, i):
        time.sleep(0.02 * (i % 3 == 0))
        return i

    def __len__(self):
        return 30


def test_worker_batches_in_order():
    out = [b.tolist() for b in D.DataLoader(Slow(), batch_size=2, num_workers=3, prefetch_factor=3)]
    assert sum(out, []) == list(range(30))


class Seeds(D.Dataset):
    def __getitem__(self, i):
        info = D.get_worker_info()
        return (info.id, info.seed, info.num_workers, torchlet.rand(1).item(), float(np.random.rand()), random.random())

    def __len__(self):
        return 4


def test_worker_seeding_and_info():
    assert D.get_worker_info() is None
    torchlet.manual_seed(1)
    rows = [tuple(x.tolist() for x in b) for b in D.DataLoader(Seeds(), batch_size=1, num_workers=2)]
    ids = [r[0][0] for r in rows]
    assert ids == [0, 1, 0, 1]
    seeds = [r[1][0] for r in rows]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0]
    assert all(r[2][0] == 2 for r in rows)
    for k in (3, 4, 5):  # each RNG differs between workers
        assert rows[0][k][0] != rows[1][k][0]
    torchlet.manual_seed(1)
    again = [tuple(x.tolist() for x in b) for b in D.DataLoader(Seeds(), batch_size=1, num_workers=2)]
    assert again == rows
    g = torchlet.Generator().manual_seed(9)
    with_gen = [b[1].tolist() for b in D.DataLoader(Seeds(), batch_size=1, num_workers=2, generator=g)]
    assert with_gen[0] != seeds[:1]


def _init_fn(worker_id):
    np.random.seed(1000 + worker_id)


class NpDraw(D.Dataset):
    def __getitem__(self, i):
        return np.random.randint(0, 1 << 30)

    def __len__(self):
        return 2


def test_worker_init_fn():
    out = [b.item() for b in D.DataLoader(NpDraw(), num_workers=2, worker_init_fn=_init_fn)]
    assert out == [np.random.RandomState(1000).randint(0, 1 << 30), np.random.RandomState(1001).randint(0, 1 << 30)]


class Boom(D.Dataset):
    def __getitem__(self, i):
        if i == 5:
            raise ValueError("bad sample 5")
        if i == 7:
            raise KeyError("missing")
        return i

    def __len__(self):
        return 10


def _message(exc):
    return str(exc).replace("torch.utils.data", "").split("Traceback")[0]


def test_worker_error_propagates(torch):
    class TBoom(torch.utils.data.Dataset):
        __getitem__, __len__ = Boom.__getitem__, Boom.__len__

    for idx, cls in ((5, ValueError), (7, KeyError)):
        sampler = [idx]
        with pytest.raises(cls) as theirs:
            list(torch.utils.data.DataLoader(TBoom(), sampler=sampler, num_workers=1))
        with pytest.raises(cls) as ours:
            list(D.DataLoader(Boom(), sampler=sampler, num_workers=1))
        assert _message(ours.value) == _message(theirs.value)
        assert "Caught" in str(ours.value) and "Original Traceback" in str(ours.value)
        assert "bad sample 5" in str(ours.value) or "missing" in str(ours.value)
        del ours, theirs  # the tracebacks hold the iterators (and so their workers)
    gc.collect()
    assert _children() == []


def test_worker_init_fn_error():
    def bad_init(worker_id):
        raise RuntimeError("init failed")

    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0"):
        list(D.DataLoader(range(4), num_workers=1, worker_init_fn=bad_init))


class Dies(D.Dataset):
    def __getitem__(self, i):
        if i == 3:
            os._exit(3)
        return i

    def __len__(self):
        return 8


def test_dead_worker_raises():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(D.DataLoader(Dies(), num_workers=2))
    assert time.monotonic() - t0 < 30
    time.sleep(0.1)
    assert _children() == []


class DiesAfterQueueing(D.Dataset):
    """The worker queues index 1's batch, then dies while the main process is busy."""

    def __getitem__(self, i):
        if i == 2:
            time.sleep(0.5)  # index 1's batch leaves the worker's queue feeder first
            os._exit(3)
        return i

    def __len__(self):
        return 4


def test_worker_dead_before_its_tensor_is_received_raises():
    # The batch's storage travels as a file descriptor the worker hands over on request; once the
    # worker is gone, the request fails. PyTorch reports that as the dead worker, not the socket.
    import torchlet.multiprocessing  # noqa: F401  (tensors cross processes in shared memory)

    it = iter(D.DataLoader(DiesAfterQueueing(), num_workers=1))
    assert next(it).tolist() == [0]
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:  # the worker exits
        time.sleep(0.05)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        next(it)
    del it
    gc.collect()
    time.sleep(0.1)
    assert _children() == []


class Sleepy(D.Dataset):
    def __getitem__(self, i):
        time.sleep(3 if i == 1 else 0)
        return i

    def __len__(self):
        return 3


def test_timeout_raises():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(D.DataLoader(Sleepy(), num_workers=1, timeout=0.5))
    assert time.monotonic() - t0 < 10
    assert _children() == []


def test_early_break_leaves_no_processes():
    loader = D.DataLoader(Samples(200), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        assert len(_children()) == 2
        if i == 3:
            break
    # the for loop's iterator is gone once the loop ends: its workers were joined
    t0 = time.monotonic()
    while _children() and time.monotonic() - t0 < 10:
        time.sleep(0.05)
    assert _children() == []
    it = iter(loader)
    next(it)
    pids = [w.pid for w in it._workers]
    del it
    assert _children() == []
    for pid in pids:  # reaped, not zombies
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_iterable_sharding_each_item_once():
    for kw in (dict(batch_size=3), dict(batch_size=None), dict(batch_size=4, drop_last=True)):
        out = []
        for b in D.DataLoader(Stream(25), num_workers=3, **kw):
            out.extend(np.atleast_1d(np.asarray(b)).tolist())
        if kw.get("drop_last"):
            assert len(out) == len(set(out)) and set(out) <= set(range(25))
        else:
            assert sorted(out) == list(range(25))
    assert _children() == []


def test_persistent_workers():
    loader = D.DataLoader(Samples(20), batch_size=3, num_workers=2, persistent_workers=True)
    first = [b[1].tolist() for b in loader]
    it = loader._iterator
    pids = [w.pid for w in it._workers]
    # a partial epoch, then full epochs again with the same processes
    next(iter(loader))
    second = [b[1].tolist() for b in loader]
    assert first == second and [w.pid for w in loader._iterator._workers] == pids
    stream = D.DataLoader(Stream(10), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(sum((b.tolist() for b in stream), [])) == list(range(10))
    loader._iterator._shutdown_workers()
    stream._iterator._shutdown_workers()
    assert _children() == []


def test_spawn_context():
    loader = D.DataLoader(
        D.TensorDataset(torchlet.arange(6.0)), batch_size=4, num_workers=1, multiprocessing_context="spawn"
    )
    assert [b[0].tolist() for b in loader] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]
