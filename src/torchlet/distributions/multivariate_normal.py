"""MultivariateNormal(loc, covariance_matrix= | precision_matrix= | scale_tril=).

Everything runs through the lower Cholesky factor L (covariance = L L^T):
rsample = loc + L eps; log_prob = -(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum(log diag L).
"""

import math

import torchlet

from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property


def _batch_mv(bmat, bvec):
    return torchlet.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(L, x):
    """|L^-1 x|^2 over the last dim, broadcasting L's batch dims against x's.
    (A triangular solve: only L's lower triangle is read, so only it gets a gradient.)"""
    shape = tuple(torchlet.broadcast_shapes(tuple(L.shape[:-2]), tuple(x.shape[:-1])))
    n = x.shape[-1]
    z = torchlet.linalg.solve(L.tril().expand(shape + (n, n)), x.expand(shape + (n,)).unsqueeze(-1))
    return z.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(P):
    """The lower factor of P^-1, from the Cholesky factor of P with rows and columns reversed."""
    Lf = torchlet.linalg.cholesky(torchlet.flip(P, (-2, -1)))
    L_inv = torchlet.transpose(torchlet.flip(Lf, (-2, -1)), -2, -1)
    eye = torchlet.eye(P.shape[-1], dtype=P.dtype)
    return torchlet.linalg.solve(L_inv, eye.expand(L_inv.shape)).tril()


class MultivariateNormal(Distribution):
    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m for m in (covariance_matrix, scale_tril, precision_matrix) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        names = {
            id(scale_tril): ("scale_tril", "scale_tril matrix"),
            id(covariance_matrix): ("covariance_matrix", "covariance_matrix"),
            id(precision_matrix): ("precision_matrix", "precision_matrix"),
        }
        m = given[0]
        attr, what = names[id(m)]
        if m.dim() < 2:
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = torchlet.broadcast_shapes(tuple(m.shape[:-2]), tuple(loc.shape[:-1]))
        setattr(self, attr, m.expand(tuple(batch_shape) + (-1, -1)))
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = torchlet.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = torchlet.Size(batch_shape)
        ev = tuple(self.event_shape)
        new.loc = self.loc.expand(tuple(batch_shape) + ev)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(tuple(batch_shape) + ev + ev))
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _full(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._full())

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return torchlet.matmul(L, L.mT).expand(self._full())

    @lazy_property
    def precision_matrix(self):
        L = self._unbroadcasted_scale_tril
        return torchlet.linalg.inv(torchlet.matmul(L, L.mT)).expand(self._full())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=torchlet.Size()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self):
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return H if len(self._batch_shape) == 0 else H.expand(self._batch_shape)
