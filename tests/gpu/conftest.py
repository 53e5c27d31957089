"""GPU tests: torchlet on CUDA (CuPy) against PyTorch on the same GPU.

Collected only with TORCHLET_GPU=1 (tests/conftest.py); tests/gpu/run.sh sets it. Without a
GPU visible to both libraries the session stops with an error, never a skip. cuDNN's TF32
convolutions are switched off in PyTorch so that both compute in full float32.
"""

import pytest
import torch as T

import torchlet


if not (T.cuda.is_available() and torchlet.cuda.is_available()):
    raise pytest.UsageError(
        f"tests/gpu needs a GPU: torch.cuda.is_available()={T.cuda.is_available()}, "
        f"torchlet.cuda.is_available()={torchlet.cuda.is_available()} (is CuPy installed?)"
    )
T.backends.cudnn.allow_tf32 = False
T.backends.cuda.matmul.allow_tf32 = False
