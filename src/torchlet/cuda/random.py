"""CUDA random numbers: CuPy's generator (cupy.random), seeded by manual_seed / manual_seed_all
(and torchlet.manual_seed). They do not reproduce PyTorch's Philox stream on CUDA: the same
seed gives the same numbers run to run, not the numbers PyTorch draws.

As in PyTorch, seeding before CUDA is initialised is queued, not an error: the seed is
applied when the CuPy backend is first used (`_backends_cupy.register`)."""

__all__ = ["manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed"]

_queued = [None]  # the last seed asked for before CUDA was initialised
_initial = [None]


def _apply(seed):
    from .. import _backends_cupy

    _initial[0] = seed
    if _backends_cupy.registered():
        import cupy

        cupy.random.seed(seed)
    else:
        _queued[0] = seed


def manual_seed(seed):
    """Seed CUDA's generator (one generator here, so the current device's is every device's)."""
    _apply(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)


manual_seed_all = manual_seed


def seed():
    """Seed from a non-deterministic source."""
    import random

    _apply(random.SystemRandom().getrandbits(63))


seed_all = seed


def initial_seed():
    from . import _lazy_init

    _lazy_init()
    return _initial[0] if _initial[0] is not None else 0


def take_queued():
    """The seed queued before initialisation (None if none), cleared."""
    s, _queued[0] = _queued[0], None
    return s
