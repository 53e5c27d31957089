"""Named result tuples, as torch.return_types: `values, indices = x.max(1)`
unpacks like a tuple, `r.values` reads a field, and printing shows

    torchlet.return_types.max(
    values=tensor([3., 2.]),
    indices=tensor([1, 0]))
"""

__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "frexp",
    "geqrf",
    "histogram",
    "histogramdd",
    "kthvalue",
    "linalg_cholesky_ex",
    "linalg_eig",
    "linalg_eigh",
    "linalg_inv_ex",
    "linalg_ldl_factor",
    "linalg_ldl_factor_ex",
    "linalg_lstsq",
    "linalg_lu",
    "linalg_lu_factor",
    "linalg_lu_factor_ex",
    "linalg_polar",
    "linalg_qr",
    "linalg_slogdet",
    "linalg_solve_ex",
    "linalg_svd",
    "lu_unpack",
    "max",
    "median",
    "min",
    "mode",
    "nanmedian",
    "slogdet",
    "sort",
    "svd",
    "topk",
    "triangular_solve",
]


class _ReturnType(tuple):
    """A tuple with named fields (PyTorch's structseq): built from one sequence."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, sequence):
        seq = tuple(sequence)
        if len(seq) != len(cls._fields):
            raise TypeError(
                f"{cls.__module__}.{cls.__name__}() takes a {len(cls._fields)}-sequence ({len(seq)}-sequence given)"
            )
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__module__}.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i))


def _make(name, fields):
    attrs = {
        "__slots__": (),
        "_fields": fields,
        "__module__": __name__,
        "n_fields": len(fields),
        "n_sequence_fields": len(fields),
        "n_unnamed_fields": 0,
    }
    for i, f in enumerate(fields):
        attrs[f] = _field(i)
    return type(name, (_ReturnType,), attrs)


def _pair(name, fields):
    """The named tuple NAME and NAME_out (what an out= call returns) with these fields."""
    return _make(name, fields), _make(name + "_out", fields)


aminmax, aminmax_out = _pair("aminmax", ("min", "max"))
cummax, cummax_out = _pair("cummax", ("values", "indices"))
cummin, cummin_out = _pair("cummin", ("values", "indices"))
frexp, frexp_out = _pair("frexp", ("mantissa", "exponent"))
geqrf, geqrf_out = _pair("geqrf", ("a", "tau"))
histogram, histogram_out = _pair("histogram", ("hist", "bin_edges"))
histogramdd, histogramdd_out = _pair("histogramdd", ("hist", "bin_edges"))
kthvalue, kthvalue_out = _pair("kthvalue", ("values", "indices"))
linalg_cholesky_ex, linalg_cholesky_ex_out = _pair("linalg_cholesky_ex", ("L", "info"))
linalg_eig, linalg_eig_out = _pair("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_eigh, linalg_eigh_out = _pair("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex, linalg_inv_ex_out = _pair("linalg_inv_ex", ("inverse", "info"))
linalg_ldl_factor, linalg_ldl_factor_out = _pair("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex, linalg_ldl_factor_ex_out = _pair("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
linalg_lstsq, linalg_lstsq_out = _pair("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_lu, linalg_lu_out = _pair("linalg_lu", ("P", "L", "U"))
linalg_lu_factor, linalg_lu_factor_out = _pair("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex, linalg_lu_factor_ex_out = _pair("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_polar, linalg_polar_out = _pair("linalg_polar", ("U", "H"))
linalg_qr, linalg_qr_out = _pair("linalg_qr", ("Q", "R"))
linalg_slogdet, linalg_slogdet_out = _pair("linalg_slogdet", ("sign", "logabsdet"))
linalg_solve_ex, linalg_solve_ex_out = _pair("linalg_solve_ex", ("result", "info"))
linalg_svd, linalg_svd_out = _pair("linalg_svd", ("U", "S", "Vh"))
lu_unpack, lu_unpack_out = _pair("lu_unpack", ("P", "L", "U"))
max, max_out = _pair("max", ("values", "indices"))
median, median_out = _pair("median", ("values", "indices"))
min, min_out = _pair("min", ("values", "indices"))
mode, mode_out = _pair("mode", ("values", "indices"))
nanmedian, nanmedian_out = _pair("nanmedian", ("values", "indices"))
slogdet, slogdet_out = _pair("slogdet", ("sign", "logabsdet"))
sort, sort_out = _pair("sort", ("values", "indices"))
svd, svd_out = _pair("svd", ("U", "S", "V"))
topk, topk_out = _pair("topk", ("values", "indices"))
triangular_solve, triangular_solve_out = _pair("triangular_solve", ("solution", "cloned_coefficient"))
