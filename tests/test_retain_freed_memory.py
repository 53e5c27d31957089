"""torchlet.backends.cpu.retain_freed_memory / TORCHLET_RETAIN_FREED_MEMORY=1 (torchlet/_malloc.py):
opted in, freed large arrays are reused instead of faulting in fresh pages; not opted in, importing
torchlet leaves glibc's allocator as it was."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")

# 20 arrays of 64 MiB, each written and freed: above glibc's largest default mmap threshold
# (32 MiB), so by default each is a fresh mapping whose pages fault on first write (16384 of
# them, or 32 with transparent huge pages); retained, all 20 reuse the first one's pages.
PROGRAM = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import torchlet
    if sys.argv[1] == "call":
        assert torchlet.backends.cpu.retain_freed_memory() is True
    faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(2):
        a = np.ones(16 << 20, np.float32)
        del a
    before = faults()
    for _ in range(20):
        a = np.ones(16 << 20, np.float32)
        del a
    print(faults() - before)
    """
)


def _faults(how, **env):
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, how],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, **env),
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_default_import_leaves_the_allocator_alone():
    assert _faults("none", TORCHLET_RETAIN_FREED_MEMORY="0") >= 20 * 16


@pytest.mark.parametrize("how, env", [("call", {}), ("none", {"TORCHLET_RETAIN_FREED_MEMORY": "1"})])
def test_opted_in_freed_arrays_are_reused(how, env):
    env.setdefault("TORCHLET_RETAIN_FREED_MEMORY", "0")
    assert _faults(how, **env) < 16
