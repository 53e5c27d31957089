"""The modern CNNs of the lessons on small inputs: a few training steps of AlexNet-style, VGG,
NiN, GoogLeNet (Inception), LeNet with BatchNorm and ResNet blocks, from torchlet.vision."""

import torchlet as torch
from torchlet import nn
from torchlet.vision import models

torch.manual_seed(0)


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )


nets = {
    "AlexNet-style": nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 64),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(64, 10),
    ),
    "VGG-11 (narrow)": nn.Sequential(
        *[
            m
            for c_in, c_out in ((1, 8), (8, 16), (16, 32))
            for m in (nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        ],
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    ),
    "NiN": nn.Sequential(
        nin_block(1, 16, 5, 1, 2),
        nn.MaxPool2d(2),
        nin_block(16, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    ),
    "LeNet+BatchNorm": nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.BatchNorm2d(6),
        nn.Sigmoid(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.BatchNorm2d(16),
        nn.Sigmoid(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 10),
    ),
    "ResNet-18": models.resnet18(num_classes=10),
    "GoogLeNet": models.googlenet(num_classes=10, aux_logits=False, init_weights=True),
}
X, y = torch.randn(8, 1, 32, 32), torch.randint(0, 10, (8,))
for name, net in nets.items():
    inputs = X.repeat(1, 3, 1, 1) if name in ("ResNet-18", "GoogLeNet") else X
    opt, loss_fn = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9), nn.CrossEntropyLoss()
    losses = []
    for step in range(3):
        loss = loss_fn(net(inputs), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(round(loss.item(), 3))
    n = sum(p.numel() for p in net.parameters())
    print(f"{name:16s} {n:>10,} parameters  losses {losses}")
