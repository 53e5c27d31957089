"""torchlet.backends.cpu"""


def get_cpu_capability():
    """NumPy picks its own SIMD kernels; torchlet dispatches none ('DEFAULT' in PyTorch's terms)."""
    return "DEFAULT"
