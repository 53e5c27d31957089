"""Softmax regression, concise: Flatten + Linear, CrossEntropyLoss, SGD."""
import torchlet as torch
from torchlet import nn
from _digits import accuracy, digits_loaders

torch.manual_seed(0)
train_iter, test_iter = digits_loaders()
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) is nn.Linear else None)
loss_fn, trainer = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.5)
for epoch in range(10):
    for X, y in train_iter:
        loss = loss_fn(net(X), y)
        trainer.zero_grad()
        loss.backward()
        trainer.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test acc {accuracy(net, test_iter):.3f}")
assert accuracy(net, test_iter) > 0.85
