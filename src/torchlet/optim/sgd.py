"""SGD with momentum, dampening, Nesterov, weight decay and maximize.

g = grad (+ weight_decay * p);  buf = momentum * buf + (1 - dampening) * g
p -= lr * (g + momentum * buf if nesterov else buf)
"""

from .. import _backends_cupy
from . import _sgd_cuda, _sgd_onednn
from .optimizer import Optimizer, _check_lr, _use_no_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
                foreach=foreach,
                differentiable=differentiable,
                fused=fused,
            ),
        )

    @_use_no_grad
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            dampening, nesterov = group["dampening"], group["nesterov"]
            numbers = all(type(x) in (int, float) for x in (lr, momentum, wd, dampening))
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
                # one fused kernel a parameter: on the GPU (optim/_sgd_cuda.py), or for large float32
                # parameters while oneDNN's pool holds the cores (optim/_sgd_onednn.py)
                fused = _sgd_cuda if _backends_cupy.fused(p._xp, p._data.dtype) else _sgd_onednn
                if (
                    numbers
                    and not group["maximize"]
                    and (momentum == 0 or buf is not None)
                    and fused.step(
                        p,
                        p.grad,
                        buf,
                        lr=lr,
                        momentum=momentum,
                        dampening=dampening,
                        weight_decay=wd,
                        nesterov=nesterov,
                    )
                ):
                    for x in (p,) if buf is None else (p, buf):
                        x._version[0] += 1
                    continue
                g = p.grad if not group["maximize"] else -p.grad
                if wd != 0:
                    g = g.add(p, alpha=wd)
                if momentum != 0:
                    if buf is None:
                        buf = self.state[p]["momentum_buffer"] = g.detach().clone()
                    else:
                        buf.mul_(momentum).add_(g, alpha=1 - dampening)
                    g = g.add(buf, alpha=momentum) if nesterov else buf
                p.add_(g, alpha=-lr)
        return loss
