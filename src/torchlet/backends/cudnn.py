"""torchlet.backends.cudnn: no cuDNN here. The flags are recorded (programs set
`benchmark` and `deterministic`) and change nothing."""

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None: cuDNN is not available (PyTorch's answer without it)."""
    return None


def is_acceptable(tensor):
    return False
