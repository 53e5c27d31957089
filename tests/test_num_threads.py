"""get_num_threads reads the thread environment variables as PyTorch's CPU build does."""

import os
import subprocess
import sys

import pytest

SNIPPET = "import {lib}; print({lib}.get_num_threads())"
CASES = [
    {},
    {"OMP_NUM_THREADS": "1"},
    {"MKL_NUM_THREADS": "1"},
    {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "1"},
    {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "2"},
    {"OMP_NUM_THREADS": "abc"},
    {"OMP_NUM_THREADS": "0"},
    {"OMP_NUM_THREADS": "-1"},
    {"OMP_NUM_THREADS": str((os.cpu_count() or 1) + 3)},
]


def _threads(lib, env_vars):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(env_vars)
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(lib=lib)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


@pytest.mark.parametrize("env_vars", CASES, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()) or "unset")
def test_get_num_threads_reads_the_environment_as_torch(env_vars):
    assert _threads("torchlet", env_vars) == _threads("torch", env_vars)


def test_set_num_threads_wins_over_the_environment():
    code = "import {lib}; {lib}.set_num_threads(3); print({lib}.get_num_threads())"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    got = [
        subprocess.run([sys.executable, "-c", code.format(lib=lib)], env=env, capture_output=True, text=True).stdout
        for lib in ("torchlet", "torch")
    ]
    assert got[0] == got[1] == "3\n"
