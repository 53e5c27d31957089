"""The README's tour with type annotations: `mypy` (default settings) checks it
against the generated stubs (tests/typing/test_stubs.py), so every name below
is one an editor completes, with its signature."""

import torchlet as torch
from torchlet import nn

x: torch.Tensor = torch.randn(3, 4, requires_grad=True)  # tensors, broadcasting, dtypes as PyTorch
y: torch.Tensor = (x**3).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)  # 3x^2, itself differentiable
g.sum().backward()  # x.grad = 6x
print(y.grad_fn, x.shape)  # <SumBackward0 object at 0x...> torchlet.Size([3, 4])
shape: torch.Size = x.shape
n: int = x.dim() + x.numel()
v: float = x.relu().mean().item()
z: torch.Tensor = torch.cat([x.view(-1), x.flatten().exp_()]).clamp(min=0.0).to(torch.float64)

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
images, labels = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
for step in range(5):
    loss = loss_fn(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(model)  # printed exactly as PyTorch prints it
torch.save(model.state_dict(), "mlp.pt")  # real torch.load reads this file
