"""torchlet.backends.opt_einsum: the opt_einsum path optimiser is not used."""

enabled = False
strategy = None


def is_available():
    return False
