"""Multinomial(total_count, probs= or logits=): counts of total_count Categorical draws.

log p(x) = lgamma(sum x + 1) - sum lgamma(x_i + 1) + sum x_i log p_i
sample:  total_count Categorical samples (one torch.multinomial call, as PyTorch),
         scattered into per-category counts
entropy: n H(p) - lgamma(n + 1) + sum_i sum_{k=0..n} Binom(k; n, p_i) lgamma(k + 1)
"""

import torchlet

from . import constraints
from ._special import lgamma
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


class _Multinomial(constraints.Constraint):
    """Nonnegative integer counts summing to at most total_count (PyTorch's check)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, x):
        return (x >= 0).all(dim=-1) & (x.sum(dim=-1) <= self.upper_bound)


class Multinomial(Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = torchlet.Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return _Multinomial(self.total_count)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=torchlet.Size()):
        sample_shape = torchlet.Size(sample_shape)
        samples = self._categorical.sample(torchlet.Size((self.total_count,)) + sample_shape)
        order = list(range(samples.dim()))
        order.append(order.pop(0))
        samples = samples.permute(*order)
        counts = torchlet.zeros(self._extended_shape(sample_shape), dtype=samples.dtype)
        counts.scatter_add_(-1, samples, torchlet.ones_like(samples))
        return counts.type_as(self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = logits.clone(memory_format=torchlet.contiguous_format)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits = logits.masked_fill((value == 0) & (logits == float("-inf")), 0)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers

    def entropy(self):
        n = torchlet.tensor(self.total_count)
        term1 = n * self._categorical.entropy() - lgamma(n + 1)
        p = self.probs
        k = torchlet.arange(1, self.total_count + 1, dtype=p.dtype).reshape((-1,) + (1,) * p.dim())
        log_binom = lgamma(n + 1.0) - lgamma(k + 1) - lgamma(n - k + 1) + k * p.log() + (n - k) * torchlet.log1p(-p)
        term2 = (log_binom.exp() * lgamma(k + 1)).sum([0, -1])
        return term1 + term2
