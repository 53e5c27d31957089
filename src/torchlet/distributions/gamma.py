"""Gamma(concentration, rate)."""

import numbers

import numpy as np

import torchlet

from . import constraints
from ._gamma import _standard_gamma
from ._special import digamma, gammainc, lgamma
from .distribution import ExponentialFamily
from .utils import _xlogy, broadcast_all


class Gamma(ExponentialFamily):
    """rsample = _standard_gamma(concentration) / rate, differentiable through
    the sampler's implicit reparameterization gradient."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        numbers_only = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(torchlet.Size() if numbers_only else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = torchlet.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=torchlet.Size(), *, generator=None):
        with torchlet.no_grad():
            return self.rsample(sample_shape, generator=generator)

    def rsample(self, sample_shape=torchlet.Size(), generator=None):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape), generator=generator) / self.rate.expand(shape)
        d = value._data
        np.maximum(d, np.finfo(d.dtype).tiny, out=d)
        return value

    def log_prob(self, value):
        """a log(rate) + (a - 1) log(x) - rate x - lgamma(a)"""
        if not isinstance(value, torchlet.Tensor):
            value = torchlet.tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (
            _xlogy(self.concentration, self.rate)
            + _xlogy(self.concentration - 1, value)
            - self.rate * value
            - lgamma(self.concentration)
        )

    def entropy(self):
        a = self.concentration
        return a - torchlet.log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)
