"""LeNet (ReLU, max-pool) on Digits upscaled to 28x28, with the training loop of the lessons."""

import time

import torchlet as torch
from torchlet import nn
from _digits import digits_loaders, train

torch.manual_seed(0)
train_iter, test_iter = digits_loaders(batch_size=64, size=28)
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Conv2d(6, 16, kernel_size=5),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120),
    nn.ReLU(),
    nn.Linear(120, 84),
    nn.ReLU(),
    nn.Linear(84, 10),
)
X = torch.rand(1, 1, 28, 28)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, "output shape:\t", X.shape)
optimizer, loss_fn = torch.optim.Adam(net.parameters(), lr=2e-3), nn.CrossEntropyLoss()
start = time.perf_counter()
acc = train(net, train_iter, test_iter, loss_fn, optimizer, epochs=4)
print(f"{time.perf_counter() - start:.1f} s")
assert acc > 0.9
