"""float32 normal_ against PyTorch on every possible input: the fast Box-Muller kernel
(ops/_cephes.py) drops FMA tie checks and rounds by magic constants on the strength of
its inputs' domain, so it is checked on the whole domain. A float uniform is one of
2**24 words, the radius depends only on the first word of a pair and the angle only on
the second, so 2**24 pairs (w, w) cover every radius and every angle.

PyTorch is fed chosen words through crafted generator states: an mt19937 state whose
words are the untempered targets, with `next` 1 and `left` 624, yields them in order
(623 words before its next twist), so each call draws 38 blocks of 16."""

import struct

import numpy as np
import pytest

from torchlet.ops._cephes import box_muller_float

torch = pytest.importorskip("torch")

_HEAD = struct.Struct("<QiiQ")  # seed, left, seeded, next
_TAIL = struct.Struct("<dddi4xf?3x")
_PER = 608  # words per call: 38 blocks of 16, within the 623 before a twist


def _untemper(y):
    """The inverse of mt19937's output tempering (uint64 arrays holding 32-bit words)."""
    y = y ^ (y >> np.uint64(18))
    y = y ^ ((y << np.uint64(15)) & np.uint64(0xEFC60000))
    r = y
    for _ in range(5):
        r = y ^ ((r << np.uint64(7)) & np.uint64(0x9D2C5680))
    y = r & np.uint64(0xFFFFFFFF)
    r = y
    for _ in range(3):
        r = y ^ (r >> np.uint64(11))
    return r & np.uint64(0xFFFFFFFF)


def _torch_normal(words):
    """torch's normal_() on float32, fed exactly these words (length a multiple of _PER)."""
    calls = words.size // _PER
    keys = _untemper(words.astype(np.uint64)).reshape(calls, _PER)
    state = np.zeros(_HEAD.size + 8 * 624 + _TAIL.size, np.uint8)
    state[: _HEAD.size] = np.frombuffer(_HEAD.pack(0, 624, 1, 1), np.uint8)
    state[_HEAD.size + 8 * 624 :] = np.frombuffer(_TAIL.pack(0, 0, 0, 0, 0, False), np.uint8)
    key = state[_HEAD.size : _HEAD.size + 8 * 624].view("<u8")
    out = torch.empty(words.size)
    saved = torch.get_rng_state()
    try:
        for c in range(calls):
            key[1 : 1 + _PER] = keys[c]
            torch.set_rng_state(torch.from_numpy(state.copy()))
            out[c * _PER : (c + 1) * _PER].normal_()
    finally:
        torch.set_rng_state(saved)
    return out.numpy()


def test_crafted_state_feeds_chosen_words():
    """The oracle itself: crafted words give what torchlet's own stream gives for them."""
    import torchlet

    g = torchlet.Generator().manual_seed(5)
    words = g.clone_state()._random24(_PER).astype(np.uint64)
    ours = torchlet.empty(_PER).normal_(generator=g)
    assert np.array_equal(_torch_normal(words).view(np.uint32), np.asarray(ours._data).view(np.uint32))


def test_every_word_matches_pytorch():
    k = np.arange(1 << 24, dtype=np.uint32).reshape(-1, 1, 8)
    words = np.concatenate([k, k], 1).reshape(-1)  # blocks (w .. w+7, w .. w+7)
    words = np.concatenate([words, np.zeros((-words.size) % _PER, np.uint32)])
    theirs = _torch_normal(words).view(np.uint32)
    step = 1 << 22
    for i in range(0, words.size, step):
        ours = box_muller_float(words[i : i + step]).view(np.uint32)
        bad = np.flatnonzero(ours != theirs[i : i + step])
        assert bad.size == 0, (
            f"{bad.size} values differ, first at word {i + bad[0]}: {ours[bad[0]]:#x} vs {theirs[i + bad[0]]:#x}"
        )
