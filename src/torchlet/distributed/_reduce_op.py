"""ReduceOp: the reductions all_reduce/reduce/reduce_scatter understand."""

import enum

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __repr__(self):
        return f"<RedOpType.{self.name}: {self.value}>"

    def __str__(self):
        return f"RedOpType.{self.name}"


ReduceOp.RedOpType = ReduceOp
reduce_op = ReduceOp  # the deprecated alias


_OPS = {}  # (op, numpy dtype) -> MPI.Op: a lookup per collective (numpy's dtype.name is slow)


def mpi_op(op, dtype):
    """The MPI.Op for `op` on arrays of numpy `dtype`; AVG is a SUM divided afterwards."""
    try:
        return _OPS[op, dtype]
    except (KeyError, TypeError):
        pass
    if not isinstance(op, ReduceOp):
        raise ValueError(f"Invalid reduce op: {op!r}")
    _OPS[op, dtype] = found = _mpi_op(op, dtype.name)
    return found


def _mpi_op(op, dtype):
    from mpi4py import MPI

    if dtype == "bool":
        return {
            ReduceOp.SUM: MPI.MAX,
            ReduceOp.PRODUCT: MPI.MIN,
            ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN,
            ReduceOp.BOR: MPI.BOR,
            ReduceOp.BAND: MPI.BAND,
            ReduceOp.BXOR: MPI.BXOR,
        }.get(op) or _unsupported(op, dtype)
    table = {
        ReduceOp.SUM: MPI.SUM,
        ReduceOp.AVG: MPI.SUM,
        ReduceOp.PRODUCT: MPI.PROD,
        ReduceOp.MIN: MPI.MIN,
        ReduceOp.MAX: MPI.MAX,
        ReduceOp.BAND: MPI.BAND,
        ReduceOp.BOR: MPI.BOR,
        ReduceOp.BXOR: MPI.BXOR,
    }
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and not dtype.startswith(("int", "uint")):
        _unsupported(op, dtype)
    if op not in table:
        _unsupported(op, dtype)
    return table[op]


def _unsupported(op, dtype):
    raise RuntimeError(f"Cannot use ReduceOp.{op.name} with tensors of dtype {dtype}")


def average(a, n):
    """AVG = SUM / world size, in place (floor division for integers)."""
    import numpy as np

    if np.issubdtype(a.dtype, np.integer):
        np.floor_divide(a, n, out=a)
    else:
        np.divide(a, n, out=a, casting="unsafe")
