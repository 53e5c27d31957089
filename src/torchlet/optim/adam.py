"""Adam and AdamW.

    m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
    p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
with v_hat = max over steps of v under amsgrad. Adam adds weight_decay * p to
g; AdamW decays the parameter itself: p *= 1 - lr * weight_decay.
"""

from . import _adam_kernel
from .optimizer import Optimizer, _check_lr, _scalar_step, _use_no_grad

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=betas,
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
                foreach=foreach,
                capturable=capturable,
                differentiable=differentiable,
                fused=fused,
                decoupled_weight_decay=decoupled_weight_decay,
            ),
        )

    def _state_for(self, p, amsgrad):
        from ..ops.creation import zeros_like

        state = self.state[p]
        if not state:
            state["step"] = _scalar_step()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    @_use_no_grad
    def step(self, closure=None):
        from ..ops.clamp import maximum

        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad = group["weight_decay"], group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", False)
            numbers = all(type(x) in (int, float) for x in (lr, beta1, beta2, eps, wd))
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if not group["maximize"] else -p.grad
                state = self._state_for(p, amsgrad)
                state["step"] += 1
                t = state["step"].item()
                m, v = state["exp_avg"], state["exp_avg_sq"]
                arrays = None if amsgrad or not numbers else _adam_kernel.arrays_for(p, g, m, v)
                if arrays is not None:  # the same operations, fused (optim/_adam_kernel.py)
                    _adam_kernel.step(
                        arrays, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=wd, decoupled=decoupled, t=t
                    )
                    for x in (p, m, v):
                        x._version[0] += 1
                    continue
                if wd != 0:
                    if decoupled:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g.add(p, alpha=wd)
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                step_size = lr / (1 - beta1**t)
                bias2_sqrt = (1 - beta2**t) ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]
                    vmax.copy_(maximum(vmax, v))
                    denom = (vmax.sqrt() / bias2_sqrt).add_(eps)
                else:
                    denom = (v.sqrt() / bias2_sqrt).add_(eps)
                p.addcdiv_(m, denom, value=-step_size)
        return loss


class AdamW(Adam):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
