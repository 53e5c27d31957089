"""torchlet.backends.mkl: torchlet links no MKL of its own (NumPy's BLAS computes)."""


def is_available():
    return False
