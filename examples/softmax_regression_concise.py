"""Softmax regression, concise: Flatten + Linear, CrossEntropyLoss, SGD."""

import torchlet as torch
from torchlet import nn
from _digits import digits_loaders, train

torch.manual_seed(0)
train_iter, test_iter = digits_loaders()
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) is nn.Linear else None)
loss_fn, optimizer = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.5)
acc = train(net, train_iter, test_iter, loss_fn, optimizer, epochs=10)
assert acc > 0.85
