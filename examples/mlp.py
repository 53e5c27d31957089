"""A multilayer perceptron with weight decay and dropout (train() / eval() switch dropout)."""

import torchlet as torch
from torchlet import nn
from _digits import digits_loaders, train

torch.manual_seed(0)
train_iter, test_iter = digits_loaders()
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
print(net)
loss_fn = nn.CrossEntropyLoss()
weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
optimizer = torch.optim.SGD([{"params": weights, "weight_decay": 1e-4}, {"params": biases}], lr=0.1, momentum=0.9)
acc = train(net, train_iter, test_iter, loss_fn, optimizer, epochs=8)
assert acc > 0.9
