"""torchlet.backends.mkldnn: no oneDNN kernels in torchlet (NumPy computes)."""

enabled = True
deterministic = False


def is_available():
    return False
