"""torchlet.linalg: the namespace. Its ops live in ops/ with the others:
norms in ops/linalg_norms.py, inv / det / slogdet / solve in ops/linalg_inverse.py,
decompositions in ops/linalg_decomp.py, cross in ops/linalg_spellings.py, matrix_power / matrix_exp in
ops/linalg_functions.py, matmul in ops/linalg.py."""

from .ops._linalg_checks import LinAlgError
from .ops.linalg import matmul
from .ops.linalg_functions import matrix_exp, matrix_power
from .ops.linalg_norms import norm, vector_norm, matrix_norm
from .ops.linalg_inverse import inv, inv_ex, solve, det, slogdet
from .ops.linalg_decomp import (
    eigh,
    eigvalsh,
    svd,
    svdvals,
    qr,
    cholesky,
    pinv,
    matrix_rank,
    multi_dot,
    vecdot,
)
from .ops.linalg_spellings import linalg_cross as cross

__all__ = [
    "LinAlgError",
    "norm",
    "vector_norm",
    "matrix_norm",
    "inv",
    "inv_ex",
    "solve",
    "det",
    "slogdet",
    "matmul",
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "qr",
    "cholesky",
    "pinv",
    "matrix_rank",
    "multi_dot",
    "vecdot",
    "cross",
    "matrix_power",
    "matrix_exp",
]
