"""Adadelta (Zeiler 2012), as PyTorch steps it.

    g  += weight_decay * p                      (g negated first under maximize)
    s   = rho s + (1 - rho) g^2
    d   = sqrt(a + eps) / sqrt(s + eps) * g
    a   = rho a + (1 - rho) d^2
    p  -= lr * d
with s = state["square_avg"], a = state["acc_delta"], both created at the first step.
"""

from .optimizer import Optimizer, _check_lr, _scalar_step, _use_no_grad

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(
            params,
            dict(
                lr=lr,
                rho=rho,
                eps=eps,
                weight_decay=weight_decay,
                maximize=maximize,
                capturable=capturable,
                foreach=foreach,
                differentiable=differentiable,
            ),
        )

    def _state_for(self, p):
        from ..ops.creation import zeros_like

        state = self.state[p]
        if not state:
            state["step"] = _scalar_step()
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
        return state

    @_use_no_grad
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if not group["maximize"] else -p.grad
                state = self._state_for(p)
                state["step"] += 1
                if wd != 0:
                    g = g.add(p, alpha=wd)
                s, a = state["square_avg"], state["acc_delta"]
                s.mul_(rho).addcmul_(g, g, value=1 - rho)
                std = s.add(eps).sqrt_()
                delta = a.add(eps).sqrt_().div_(std).mul_(g)
                a.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-lr)
        return loss
