"""Linear regression from scratch: autograd recovers the weights of y = Xw + b."""

import torchlet as torch

torch.manual_seed(0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
X = torch.randn(1000, 2)
y = X @ true_w + true_b + 0.01 * torch.randn(1000)

w = torch.zeros(2, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1
for epoch in range(200):
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if epoch % 50 == 0:
        print(f"epoch {epoch}: loss {loss.item():.6f}")

print(f"recovered w = {w.detach().tolist()}, b = {b.item():.4f}")
print(f"true      w = {true_w.tolist()}, b = {true_b:.4f}")
