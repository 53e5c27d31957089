"""Random numbers: Generator, manual_seed, seed and the RNG state.

A `Generator` wraps a NumPy `Generator(PCG64)`. A seed fully determines the
stream (PyTorch's own streams are not reproduced); `get_state()` returns a
uint8 tensor holding the PCG64 state, and `set_state()` restores the exact
stream from it. Samplers in ops/random_ops.py draw from `gen._rng`.
"""
import contextlib

import numpy as np

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng",
           "Generator", "default_generator"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed
_U64 = 1 << 64
_STATE_BYTES = 56  # state(16) inc(16) has_uint32(4) uinteger(4) seed(8) offset(8)


def _seed_value(seed):
    """A seed as PyTorch takes it: any int in [-2**63, 2**64); negatives wrap to uint64."""
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


def _nondeterministic_seed():
    import os
    return int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)


def _check_byte_tensor(state):
    from ._tensor import Tensor
    if not isinstance(state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(state).__name__}")
    if state._data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if state._data.size != _STATE_BYTES:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the "
                           f"input RNG state size to be {state._data.size}")


class Generator:
    """A random-number stream: `Generator().manual_seed(0)`, then pass
    `generator=g` to rand/randn/randint/randperm/multinomial/... ."""

    def __init__(self, device="cpu"):
        from ._device import device as _device
        self.device = _device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Seed this generator with an int (torchlet.manual_seed also takes int(seed))."""
        if type(seed) is not int:  # exactly int: bool, float, str, tensors are refused here
            if isinstance(seed, np.integer):
                raise TypeError("an integer is required")
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        self._seed = _seed_value(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        """Reseed from a non-deterministic source; returns the new seed."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The stream's state as a uint8 tensor (for set_state)."""
        from .ops.creation import tensor
        st = self._rng.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
               + int(st["has_uint32"]).to_bytes(4, "little") + int(st["uinteger"]).to_bytes(4, "little")
               + self._seed.to_bytes(8, "little") + bytes(8))
        return tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from get_state(): the stream continues exactly from there."""
        _check_byte_tensor(new_state)
        raw = np.asarray(new_state._data).tobytes()
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64",
                    "state": {"state": int.from_bytes(raw[0:16], "little"),
                              "inc": int.from_bytes(raw[16:32], "little")},
                    "has_uint32": int.from_bytes(raw[32:36], "little"),
                    "uinteger": int.from_bytes(raw[36:40], "little")}
        self._rng = np.random.Generator(bg)
        self._seed = int.from_bytes(raw[40:48], "little")
        return self

    def __repr__(self):
        return f"<torchlet.Generator object at {hex(id(self))}>"


default_generator = Generator()


def _gen(generator):
    """The NumPy generator behind `generator` (None -> the default one)."""
    return (generator if generator is not None else default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (CUDA tensors draw from it too); returns it."""
    return default_generator.manual_seed(_seed_value(seed))


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
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type=None):
    """Inside the block, draws from the default generator are undone after it."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
