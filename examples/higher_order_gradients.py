"""Higher-order gradients: d/dx, d2/dx2 and d3/dx3 of x**3 and a Hessian, with create_graph."""

import torchlet as torch

x = torch.tensor(2.0, requires_grad=True)
y = x**3
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x, create_graph=True)
(d3y,) = torch.autograd.grad(d2y, x)
print(dy, d2y, d3y)  # 3x^2 = 12, 6x = 12, 6
assert (dy.item(), d2y.item(), d3y.item()) == (12.0, 12.0, 6.0)


def f(v):
    return (v[0] ** 2) * v[1] + torch.sin(v[1])


v = torch.tensor([1.0, 0.5])
print(torch.autograd.functional.hessian(f, v))
