"""Stochastic Weight Averaging and EMA: AveragedModel, SWALR, update_bn, and the
averaging functions.

    SWA:  W_avg <- W_avg + (W - W_avg) / (n + 1)       (equal weights over n+1 models)
    EMA:  W_avg <- decay W_avg + (1 - decay) W
The first `update_parameters` copies the model; `n_averaged` (an int64 buffer, so it is
in the state_dict) counts the models averaged. SWALR anneals each group's lr from its
current value to `swa_lr` over `anneal_epochs` steps, by cosine or linearly.
"""

import itertools
import math
from copy import deepcopy

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from .lr_scheduler import LRScheduler

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """In place over lists: p_ema <- lerp(p_ema, p, 1 - decay) (float), else decay p_ema + (1-decay) p."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if ema_param_list[0].is_floating_point() or ema_param_list[0].is_complex():
            for p_ema, p in zip(ema_param_list, current_param_list):
                p_ema.lerp_(p, 1 - decay)
        else:
            for p_ema, p in zip(ema_param_list, current_param_list):
                p_ema.copy_(p_ema * decay + p * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """In place over lists: p_avg <- lerp(p_avg, p, 1 / (n + 1))."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if averaged_param_list[0].is_floating_point() or averaged_param_list[0].is_complex():
            w = float(1 / (num_averaged + 1))
            for p_avg, p in zip(averaged_param_list, current_param_list):
                p_avg.lerp_(p, w)
        else:
            for p_avg, p in zip(averaged_param_list, current_param_list):
                diff = p - p_avg
                if isinstance(num_averaged, Tensor):
                    p_avg.addcdiv_(diff, num_averaged + 1)
                else:
                    p_avg.add_(diff, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of `model` whose parameters (and buffers, with use_buffers) hold a running
    average of `model`'s, updated by `update_parameters(model)`."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        from .. import _dtype
        from ..ops.creation import tensor

        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=_dtype.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        mine_d, theirs_d = [], []
        first = bool(self.n_averaged == 0)
        for p_avg, p in zip(mine, theirs):
            p_ = p.detach().to(p_avg.device)
            mine_d.append(p_avg.detach())
            theirs_d.append(p_)
            if first:
                p_avg.detach().copy_(p_)
        if self.n_averaged > 0:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                for group_mine, group_theirs in _by_dtype(mine_d, theirs_d):
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(group_mine, group_theirs, self.n_averaged)
                    else:  # PyTorch's CPU path (no foreach kernels): the per-tensor SWA formula
                        swa = get_swa_avg_fn()
                        for p_avg, p in zip(group_mine, group_theirs):
                            p_avg.copy_(swa(p_avg, p, self.n_averaged))
            else:
                for p_avg, p in zip(mine_d, theirs_d):
                    p_avg.detach().copy_(self.avg_fn(p_avg.detach(), p, self.n_averaged))
        if not self.use_buffers:
            for b_avg, b in zip(self.module.buffers(), model.buffers()):
                b_avg.detach().copy_(b.detach().to(b_avg.device))
        self.n_averaged += 1


def _by_dtype(mine, theirs):
    """Lists grouped by (device, dtype), in first-seen order, as PyTorch's foreach grouping."""
    groups = {}
    for a, b in zip(mine, theirs):
        key = (str(a.device), str(a.dtype))
        groups.setdefault(key, ([], []))
        groups[key][0].append(a)
        groups[key][1].append(b)
    return list(groups.values())


@no_grad()
def update_bn(loader, model, device=None):
    """One pass over `loader` in train mode with momentum=None (a cumulative average), after
    resetting every BatchNorm's running statistics."""
    from ..nn.normalization import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for input in loader:
        if isinstance(input, (list, tuple)):
            input = input[0]
        if device is not None:
            input = input.to(device)
        model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


def _format_param(name, optimizer, param):
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(param)} values, param_groups has {len(optimizer.param_groups)}."
            )
        return list(param)
    return [param] * len(optimizer.param_groups)


class SWALR(LRScheduler):
    """lr_t = swa_lr * a(t) + lr_0 * (1 - a(t)), t = step / anneal_epochs clipped to [0, 1],
    a = (1 - cos(pi t)) / 2 ("cos") or t ("linear"); lr_0 is recovered from the current lr."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
