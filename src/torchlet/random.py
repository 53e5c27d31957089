"""Random numbers: Generator, manual_seed, seed and the RNG state.

A `Generator` is PyTorch's CPU generator (at::CPUGeneratorImpl): a 32-bit
Mersenne Twister (mt19937) seeded the way at::mt19937 seeds it, plus the two
cached Box-Muller normals PyTorch keeps (one double, one float). NumPy's
legacy MT19937 bit generator produces the same 32-bit words once its 624-word
key is set, so words are drawn vectorised (`random_raw`), never one by one in
Python. `_random(n)` gives n 32-bit words, `_random24(n)` their low 24 bits
(the float uniform's mantissa), `_random64(n)` n 64-bit words made as
(first << 32) | second, like at::make64BitsFrom32Bits. Words come through a
legacy RandomState on the same bit generator: its randint with a power-of-two
range masks each word's low bits (no rejection), straight into uint32.

`get_state()` / `set_state()` exchange PyTorch's own 5056-byte
CPUGeneratorImplState, so a state saved by either library resumes in the
other. Samplers that map words to values live in ops/_random_kernels.py.
"""

import contextlib
import os
import struct

import numpy as np

__all__ = [
    "set_rng_state",
    "get_rng_state",
    "manual_seed",
    "seed",
    "initial_seed",
    "fork_rng",
    "Generator",
    "default_generator",
]

_U64 = 1 << 64
_N = 624  # words of Mersenne Twister state
# CPUGeneratorImplState: seed u64, left i32, seeded i32, next u64, state u64[624],
# normal_x/normal_y/normal_rho f64, normal_is_valid i32 (+4 pad), next_float f32, valid bool (+3 pad)
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
_STATE_BYTES = _HEAD.size + 8 * _N + _TAIL.size  # 5056


def _seed_value(seed):
    """A seed as PyTorch takes it: any int in [-2**63, 2**64); negatives wrap to uint64."""
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


def _nondeterministic_seed():
    return int.from_bytes(os.urandom(8), "little")


def _mt_key(seed):
    """at::mt19937's init_with_uint32: Knuth's linear recurrence from the low 32 bits."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return key


def _check_byte_tensor(state):
    from ._tensor import Tensor

    if not isinstance(state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(state).__name__}")
    if state._data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if state._data.size != _STATE_BYTES:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the "
            f"input RNG state size to be {state._data.size}"
        )


_draw_hooks = []  # callables(generator) run before each draw (torch.func.vmap's randomness modes)


class Generator:
    """A random-number stream: `Generator().manual_seed(0)`, then pass
    `generator=g` to rand/randn/randint/randperm/multinomial/... ."""

    def __init__(self, device="cpu"):
        from ._device import device as _device

        self.device = _device(device)
        self._mt = np.random.MT19937(0)
        self._rs = np.random.RandomState(self._mt)  # shares _mt's state
        self._set_seed(67280421310721)  # at::default_rng_seed_val

    # ----- the engine -------------------------------------------------------
    def _drawn(self):
        """Called before every draw: the stream has moved; the watchers (vmap's randomness modes) see it."""
        self._fresh = False
        for hook in _draw_hooks:
            hook(self)

    def _set_seed(self, seed):
        self._seed = seed
        self._mt.state = {"bit_generator": "MT19937", "state": {"key": _mt_key(seed), "pos": _N}}
        self._fresh = True  # PyTorch's next_ index is 0 until the first draw
        self.next_double_normal = None
        self.next_float_normal = None

    def _random(self, n):
        """n 32-bit words of the stream (uint32)."""
        self._drawn()
        return self._rs.randint(0, 1 << 32, int(n), dtype=np.uint32)

    def _random24(self, n):
        """The low 24 bits of n words (uint32)."""
        self._drawn()
        return self._rs.randint(0, 1 << 24, int(n), dtype=np.uint32)

    def _random64(self, n):
        """n 64-bit words, each (first << 32) | second (uint64)."""
        self._drawn()
        w = self._rs.randint(0, 1 << 32, 2 * int(n), dtype=np.uint32)
        hi = w[0::2].astype(np.uint64)
        hi <<= np.uint64(32)
        hi |= w[1::2]
        return hi

    # ----- public API -------------------------------------------------------
    def manual_seed(self, seed):
        """Seed this generator with an int (torchlet.manual_seed also takes int(seed))."""
        if type(seed) is not int:  # exactly int: bool, float, str, tensors are refused here
            if isinstance(seed, np.integer):
                raise TypeError("an integer is required")
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        self._set_seed(_seed_value(seed))
        return self

    def seed(self):
        """Reseed from a non-deterministic source; returns the new seed."""
        s = _nondeterministic_seed()
        self._set_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """PyTorch's CPUGeneratorImplState bytes (5056 uint8) for set_state."""
        from .ops.creation import tensor

        st = self._mt.state["state"]
        pos = int(st["pos"])
        nd, nf = self.next_double_normal, self.next_float_normal
        raw = (
            _HEAD.pack(self._seed, _N + 1 - pos, 1, 0 if self._fresh else pos)
            + st["key"].astype("<u8").tobytes()
            + _TAIL.pack(0.0, 0.0 if nd is None else nd, 0.0, nd is not None, 0.0 if nf is None else nf, nf is not None)
        )
        return tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from get_state() (ours or PyTorch's): the stream continues from there."""
        _check_byte_tensor(new_state)
        raw = np.ascontiguousarray(new_state._data).tobytes()
        seed, left, seeded, nxt = _HEAD.unpack_from(raw, 0)
        key = np.frombuffer(raw, dtype="<u8", count=_N, offset=_HEAD.size)
        _, ny, _, nvalid, nf, fvalid = _TAIL.unpack_from(raw, _HEAD.size + 8 * _N)
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        # PyTorch keeps next_ + left_ == 625 except right after seeding (left 1, next 0)
        self._mt.state = {"bit_generator": "MT19937", "state": {"key": key.astype(np.uint32), "pos": _N + 1 - left}}
        self._seed = seed
        self._fresh = left == 1 and nxt == 0
        self.next_double_normal = ny if nvalid else None
        self.next_float_normal = float(np.float32(nf)) if fvalid else None
        return self

    def clone_state(self):
        """A new Generator at this one's exact position (PyTorch's clone)."""
        g = Generator.__new__(Generator)
        g.device = self.device
        g._mt = np.random.MT19937(0)
        g._mt.state = self._mt.state
        g._rs = np.random.RandomState(g._mt)
        g._seed, g._fresh = self._seed, self._fresh
        g.next_double_normal, g.next_float_normal = self.next_double_normal, self.next_float_normal
        return g

    def __repr__(self):
        return f"<torchlet.Generator object at {hex(id(self))}>"


default_generator = Generator()
default_generator.seed()  # PyTorch seeds its default generator non-deterministically


def _gen(generator):
    """The Generator to draw from (None -> the default one)."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed):
    """Seed the default generator and CUDA's (CuPy's, queued until CUDA is first used); returns
    the default generator."""
    gen = default_generator.manual_seed(_seed_value(seed))
    from .cuda import random as _cuda_random

    _cuda_random.manual_seed(seed)
    return gen


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Inside the block, draws from the default generator are undone after it."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
