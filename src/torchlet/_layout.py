"""Tensor layouts: torch.strided (every dense tensor), torch.sparse_coo, torch.jagged."""

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "jagged"]


class _Named:
    """A PyTorch constant (a layout, a memory format): compared by identity, printed and pickled
    by its name in the torchlet namespace."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torchlet." + self._name

    def __reduce__(self):
        return self._name


class layout(_Named):
    __module__ = "torchlet"
    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
jagged = layout("jagged")
