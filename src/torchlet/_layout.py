"""Tensor layouts: torch.strided (every dense tensor), torch.sparse_coo, torch.jagged."""

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "jagged"]


class layout:
    __module__ = "torchlet"
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torchlet." + self._name

    def __reduce__(self):
        return self._name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
jagged = layout("jagged")
