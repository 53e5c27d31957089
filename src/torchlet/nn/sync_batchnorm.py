"""SyncBatchNorm: batch statistics over the batch of every rank.

Each rank sums x and x^2 over its own (N, *spatial) positions; one all-reduce
of [sum, sum of squares, count] gives the global mean and (biased) variance.
The all-reduce is an autograd Function whose backward all-reduces the
incoming gradient (d sum_k L_k / d S_j = sum_k dL_k/dS), which is exactly
PyTorch's all-reduce of sum(dy) and sum(dy * (x - mean)) in backward.
Outside training, or with a world of one, it is BatchNorm.
"""

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class _AllReduceSum(Function):
    """y = sum over ranks of x;  dx = sum over ranks of dy"""

    @staticmethod
    def forward(ctx, x, group):
        from .. import distributed as dist

        ctx.group = group
        y = x.clone()
        dist.all_reduce(y, group=group)
        return y

    @staticmethod
    def backward(ctx, g):
        from .. import distributed as dist

        g = g.clone()
        dist.all_reduce(g, group=ctx.group)
        return g, None


class SyncBatchNorm(_BatchNorm):
    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        process_group=None,
        device=None,
        dtype=None,
    ):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        from .. import distributed as dist

        self._check_input_dim(input)
        if input.size(1) != self.num_features:
            raise ValueError(
                f"SyncBatchNorm: expected {self.num_features} channels, got input of shape {list(input.shape)}"
            )
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        if not use_batch or not dist.is_initialized() or dist.get_world_size(self.process_group) == 1:
            return super().forward(input)
        factor = self._factor()
        c = self.num_features
        dims = [0] + list(range(2, input.dim()))
        count = input.numel() // c
        local = input.sum(dims).reshape(1, c)
        local_sq = (input * input).sum(dims).reshape(1, c)
        from ..ops.joining import cat
        from ..ops.creation import full

        stats = cat([local, local_sq, full((1, c), float(count), dtype=input.dtype)])
        stats = _AllReduceSum.apply(stats, self.process_group)
        n = stats[2, 0]
        mean = stats[0] / n
        var = (stats[1] / n - mean * mean).clamp(min=0)
        if self.training and self.track_running_stats:
            with no_grad():
                total = float(n.item())
                unbiased = var * (total / max(total - 1, 1))
                self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
                self.running_var.mul_(1 - factor).add_(unbiased.detach() * factor)
        shape = [1, c] + [1] * (input.dim() - 2)
        y = (input - mean.reshape(shape)) * (var + self.eps).rsqrt().reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """A copy of `module`'s tree with every BatchNorm*D replaced by a
        SyncBatchNorm holding the same parameters and buffers."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
            )
            if module.affine:
                with no_grad():
                    out.weight = module.weight
                    out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
