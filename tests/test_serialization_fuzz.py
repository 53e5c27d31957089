"""Fuzzing torchlet.load and torchlet.safetensors.load with broken and crafted files.

Seed files are written by PyTorch and by torchlet in the test. Each case mutates
one (a fixed seed makes the cases the same on every run): truncation, flipped
bytes in the file or inside data.pkl (re-zipped, so the CRC is valid and the
pickle reader sees the damage), sizes / strides / offsets / storage types /
keys / numels rewritten inside data.pkl, zip records dropped, duplicated,
renamed out of the archive or reordered. Every load must either return tensors
whose every element is the byte-exact content of its storage record at the
place the file's own view arithmetic names (computed here from the raw record,
never from torchlet), or raise one of a few clear exception classes. Each load
runs under a time bound.
"""

import io
import json
import pickle
import random
import signal
import time
import zipfile

import numpy as np
import pytest

import torchlet
from torchlet import safetensors as st

from _fuzz_files import Glob, Mismatch, Records, check_loaded, parse, records, rezip, tensor_calls, unparse

ALLOWED = (RuntimeError, TypeError, ValueError, pickle.UnpicklingError, EOFError)
CASES_PER_SEED = 1000
TIME_BOUND = 2.0


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def _bounded(fn):
    """fn() under a wall-clock bound: a hang fails the case instead of the run."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_BOUND)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _torch_seeds(torch):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    base = torch.arange(12.0).reshape(3, 4)
    misc = {
        "f32": base,
        "view": base[1:, 1:],
        "T": base.t(),
        "i8": torch.arange(-3, 3, dtype=torch.int8),
        "bool": torch.tensor([True, False, True]),
        "f64": torch.linspace(0, 1, 5, dtype=torch.float64),
        "f16": torch.ones(2, 2, dtype=torch.float16),
        "c64": torch.tensor([1 + 2j, 3 - 1j]),
        "p": torch.nn.Parameter(torch.ones(3)),
        "l": [1, 2.5, "s", (3,)],
        "s": torch.tensor(3.0),
        "e": torch.zeros(0, 3),
        "i64": torch.arange(6).reshape(2, 3)[:, ::2],
    }
    out = []
    for obj in (model.state_dict(), misc):
        buf = io.BytesIO()
        torch.save(obj, buf)
        out.append(buf.getvalue())
    return out


def _torchlet_seeds():
    torchlet.manual_seed(0)
    model = torchlet.nn.Sequential(torchlet.nn.Linear(4, 3), torchlet.nn.BatchNorm1d(3), torchlet.nn.Linear(3, 2))
    base = torchlet.arange(12.0).reshape(3, 4)
    misc = {
        "f32": base,
        "view": base[1:, 1:],
        "T": base.t(),
        "i8": torchlet.arange(-3, 3, dtype=torchlet.int8),
        "bool": torchlet.tensor([True, False, True]),
        "f16": torchlet.ones(2, 2, dtype=torchlet.float16),
        "p": torchlet.nn.Parameter(torchlet.ones(3)),
        "l": [1, 2.5, "s", (3,)],
        "s": torchlet.tensor(3.0),
        "e": torchlet.zeros(0, 3),
        "i64": torchlet.arange(6).reshape(2, 3)[:, ::2],
    }
    out = []
    for obj in (model.state_dict(), misc):
        buf = io.BytesIO()
        torchlet.save(obj, buf)
        out.append(buf.getvalue())
    return out


# ----- mutations of a checkpoint ----------------------------------------------
def _flip(data, rng, n=None):
    b = bytearray(data)
    for _ in range(n or rng.randint(1, 3)):
        b[rng.randrange(len(b))] ^= rng.randint(1, 255)
    return bytes(b)


_STYPES = [
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "LongStorage",
    "IntStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexDoubleStorage",
    "CharStorage",
]
_INTS = [0, 1, 2, 3, 5, 7, 64, 255, -1, -2, -64, 2**31, 2**62, 2**63, -(2**63), 2**70]


def _rewrite_view(call, rng):
    """Change one of size / stride / offset / storage type / key / numel of one tensor."""
    pid, offset, size, stride = call.args[:4]
    what = rng.choice(["size", "stride", "offset", "dtype", "key", "numel", "rank", "type"])
    size = list(size) if isinstance(size, (tuple, list)) else []
    stride = list(stride) if isinstance(stride, (tuple, list)) else []
    if what == "size" and size:
        size[rng.randrange(len(size))] = rng.choice(_INTS)
    elif what == "stride" and stride:
        stride[rng.randrange(len(stride))] = rng.choice(_INTS)
    elif what == "offset":
        call.args[1] = rng.choice(_INTS)
    elif what == "dtype":
        pid.pid[1] = Glob("torch", rng.choice(_STYPES))
    elif what == "key":
        pid.pid[2] = rng.choice(["0", "1", "7", "../0", "data.pkl", 3, "", "/etc/passwd", "0/../1"])
    elif what == "numel":
        pid.pid[4] = rng.choice(_INTS)
    elif what == "rank":
        (size if rng.random() < 0.5 else stride).append(rng.choice([0, 1, 4]))
    else:
        call.args[rng.choice([1, 2, 3])] = rng.choice([1.5, None, "x", (1.0,), [2]])
    if what in ("size", "stride", "rank"):
        call.args[2], call.args[3] = tuple(size), tuple(stride)


def _mutate(seed, rng):
    kind = rng.choice(["truncate", "flip", "pkl_flip", "pkl_truncate", "rewrite", "rewrite2", "records"])
    if kind == "truncate":
        return kind, seed[: rng.randrange(len(seed))]
    if kind == "flip":
        return kind, _flip(seed, rng)
    entries = records(seed)
    i_pkl = next(i for i, (n, _) in enumerate(entries) if n.endswith("/data.pkl"))
    name, pkl = entries[i_pkl]
    if kind == "pkl_flip":
        entries[i_pkl] = (name, _flip(pkl, rng))
    elif kind == "pkl_truncate":
        entries[i_pkl] = (name, pkl[: rng.randrange(len(pkl))])
    elif kind in ("rewrite", "rewrite2"):
        tree = parse(pkl)
        calls = tensor_calls(tree)
        for _ in range(1 if kind == "rewrite" else 2):
            _rewrite_view(rng.choice(calls), rng)
        entries[i_pkl] = (name, unparse(tree))
    else:
        prefix = name[: -len("data.pkl")]
        j = rng.randrange(len(entries))
        op = rng.choice(
            ["drop", "dup", "dup_other", "escape", "absolute", "outside", "reorder", "empty", "swap", "grow"]
        )
        n, blob = entries[j]
        if op == "drop":
            del entries[j]
        elif op == "dup":
            entries.insert(rng.randrange(len(entries) + 1), (n, blob))
        elif op == "dup_other":
            entries.append((n, _flip(blob, rng) if blob else b"x"))
        elif op == "escape":
            entries[j] = (prefix + "../" * rng.randint(1, 3) + n.rsplit("/", 1)[-1], blob)
        elif op == "absolute":
            entries[j] = ("/" + n, blob)
        elif op == "outside":
            entries.append(("other/" + n.rsplit("/", 1)[-1], blob))
        elif op == "reorder":
            rng.shuffle(entries)
        elif op == "empty":
            entries[j] = (n, b"")
        elif op == "swap":
            k = rng.randrange(len(entries))
            entries[j], entries[k] = (n, entries[k][1]), (entries[k][0], blob)
        else:
            entries[j] = (n, blob + bytes(rng.randrange(1, 17)))
        kind += "_" + op
    return kind, rezip(entries)


def _check_checkpoint_case(data, rng, path=None):
    """Load (from memory, or memory-mapped from `path`); on success every tensor must be its
    record's bytes where the file says."""
    if path is not None:
        path.write_bytes(data)
    try:
        result = _bounded(lambda: torchlet.load(io.BytesIO(data)) if path is None else torchlet.load(path, mmap=True))
    except _Hang:
        raise AssertionError("load did not finish within the time bound") from None
    except ALLOWED as e:
        return type(e).__name__
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == len(set(names)), "loaded an archive with duplicate records"
        prefix = names[0].split("/")[0] + "/"
        recs = Records(zf)
        check_loaded(parse(recs[prefix + "data.pkl"]), result, recs, prefix, rng)
    return "ok"


@pytest.fixture(scope="module")
def checkpoint_seeds():
    torch = pytest.importorskip("torch")  # the oracle writes half of the seeds (CI=true requires it)
    return _torch_seeds(torch) + _torchlet_seeds()


def test_seed_checkpoints_load_exactly(checkpoint_seeds):
    rng = random.Random(0)
    for seed in checkpoint_seeds:
        assert _check_checkpoint_case(seed, rng) == "ok"


def test_fuzz_checkpoints(checkpoint_seeds):
    """4 seeds x 1000 mutations: clean result or a clear error, never foreign bytes, never a hang."""
    rng = random.Random(12345)
    outcomes, failures = {}, []
    start = time.perf_counter()
    for s, seed in enumerate(checkpoint_seeds):
        for i in range(CASES_PER_SEED):
            kind, data = _mutate(seed, rng)
            try:
                got = _check_checkpoint_case(data, rng)
            except (Mismatch, AssertionError) as e:
                failures.append(f"seed {s} case {i} ({kind}): {e}")
                continue
            except Exception as e:  # an exception class that must not reach a user
                failures.append(
                    f"seed {s} case {i} ({kind}): leaked {type(e).__module__}.{type(e).__name__}: {e}"[:300]
                )
                continue
            outcomes[got] = outcomes.get(got, 0) + 1
    assert not failures, f"{len(failures)} failing cases, first ones:\n" + "\n".join(failures[:10])
    assert sum(outcomes.values()) >= 4 * CASES_PER_SEED
    assert outcomes.get("ok", 0) > 100 and len(outcomes) > 2, outcomes  # both paths are exercised
    assert time.perf_counter() - start < 60


def test_fuzz_checkpoints_mmap(checkpoint_seeds, tmp_path):
    """The memory-mapped reader (its own record offsets and CRC check) under the same mutations."""
    rng = random.Random(777)
    path = tmp_path / "case.pt"
    outcomes, failures = {}, []
    for s, seed in enumerate(checkpoint_seeds):
        for i in range(150):
            kind, data = _mutate(seed, rng)
            try:
                got = _check_checkpoint_case(data, rng, path)
            except Exception as e:
                failures.append(f"seed {s} case {i} ({kind}): {type(e).__name__}: {e}"[:300])
                continue
            outcomes[got] = outcomes.get(got, 0) + 1
    assert not failures, f"{len(failures)} failing cases, first ones:\n" + "\n".join(failures[:10])
    assert outcomes.get("ok", 0) > 20 and len(outcomes) > 2, outcomes


# ----- safetensors ------------------------------------------------------------
def _st_seeds(torch):
    from safetensors.torch import save as torch_save

    theirs = torch_save(
        {
            "a": torch.randn(3, 5),
            "b": torch.arange(7, dtype=torch.int32),
            "c": torch.ones(2, dtype=torch.float16),
            "e": torch.zeros(0, 2),
            "d": torch.tensor(2.5, dtype=torch.float64),
        },
        metadata={"k": "v"},
    )
    ours = st.save(
        {
            "w": torchlet.arange(12.0).reshape(3, 4),
            "i": torchlet.arange(5),
            "b": torchlet.tensor([True, False]),
            "h": torchlet.ones(2, 2, dtype=torchlet.float16),
        }
    )
    return [theirs, ours]


def _st_mutate(seed, rng):
    n = int.from_bytes(seed[:8], "little")
    header = json.loads(seed[8 : 8 + n])
    body = seed[8 + n :]
    kind = rng.choice(["truncate", "flip", "length", "offsets", "shape", "dtype", "drop", "body"])
    if kind == "truncate":
        return kind, seed[: rng.randrange(len(seed))]
    if kind == "flip":
        return kind, _flip(seed, rng)
    if kind == "length":
        new = rng.choice([0, 1, n - 1, n + 1, n + 8, 2**27, 100_000_001, 2**64 - 1])
        return kind, new.to_bytes(8, "little") + seed[8:]
    names = [k for k in header if k != "__metadata__"]
    name = rng.choice(names)
    info = header[name]
    if kind == "offsets":
        i = rng.randrange(2)
        info["data_offsets"][i] = rng.choice(
            [0, 1, 4, len(body), len(body) + 4, -4, 2**64, 2**63, info["data_offsets"][i] + rng.choice([-8, -1, 1, 8])]
        )
    elif kind == "shape":
        info["shape"] = rng.choice([[], [0], [1], [2**62, 4], [-1], [1.5], [3, 5], [7], [2**32, 2**32]])
    elif kind == "dtype":
        info["dtype"] = rng.choice(["F32", "F64", "I8", "U8", "BOOL", "F16", "BF16", "I64", "C64", "U16", "XX"])
    elif kind == "drop":
        del header[name]
    else:
        body = body + bytes(rng.randrange(1, 9)) if rng.random() < 0.5 else body[:-1]
    text = json.dumps(header).encode()
    return kind, len(text).to_bytes(8, "little") + text + body


def _their_bytes(t):
    return t.reshape(-1).contiguous().view(__import__("torch").uint8).numpy().tobytes()


def _check_st_case(data):
    """Differential against safetensors.torch.load: the same refusals, the same bytes."""
    import torch
    from safetensors import SafetensorError as TheirError
    from safetensors.torch import load as their_load

    try:
        theirs = their_load(data)
    except TheirError:
        theirs = None
    try:
        ours = _bounded(lambda: st.load(data))
    except st.SafetensorError:
        lacking = (torch.uint16, torch.uint32, torch.uint64, torch.float8_e4m3fn, torch.float8_e5m2)
        assert theirs is None or any(v.dtype in lacking for v in theirs.values()), (
            "refused a file the safetensors package reads"
        )
        return "refused"
    assert theirs is not None, "read a file the safetensors package refuses"
    assert sorted(ours) == sorted(theirs)
    n = int.from_bytes(data[:8], "little")
    header, body = json.loads(data[8 : 8 + n]), data[8 + n :]
    for k, t in ours.items():
        b, e = header[k]["data_offsets"]
        assert tuple(t.shape) == tuple(header[k]["shape"]) == tuple(theirs[k].shape)
        assert str(t.dtype).split(".")[-1] == str(theirs[k].dtype).split(".")[-1]
        assert np.ascontiguousarray(t._data).tobytes() == body[b:e] == _their_bytes(theirs[k])
    return "ok"


def test_fuzz_safetensors(torch):
    """2 seeds x 1000 mutations, differential against the safetensors package."""
    rng = random.Random(54321)
    outcomes, failures = {}, []
    for s, seed in enumerate(_st_seeds(torch)):
        for i in range(CASES_PER_SEED):
            kind, data = _st_mutate(seed, rng)
            try:
                got = _check_st_case(data)
            except AssertionError as e:
                failures.append(f"seed {s} case {i} ({kind}): {e}")
                continue
            except Exception as e:
                failures.append(f"seed {s} case {i} ({kind}): leaked {type(e).__module__}.{type(e).__name__}: {e}")
                continue
            outcomes[got] = outcomes.get(got, 0) + 1
    assert not failures, f"{len(failures)} failing cases, first ones:\n" + "\n".join(failures[:10])
    assert outcomes.get("ok", 0) > 50 and outcomes.get("refused", 0) > 50, outcomes
