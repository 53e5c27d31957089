"""LeNet as the lessons write it.

variant="relu" (default): the lecture's LeNet for 28x28 input: conv 5x5 (no padding), ReLU,
    2x2 max pooling, fc 256-120-84-classes (seeds 00, 05).
variant="classic": LeNet-5 as in D2L: conv 5x5 with padding 2, sigmoid, 2x2 average pooling,
    fc 400-120-84-classes (seed 64).
Both keep the lessons' parameter names conv1, conv2, fc1, fc2, fc3.
"""

from torchlet import nn
from torchlet.nn import functional as F

__all__ = ["LeNet"]


class LeNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, variant="relu"):
        super().__init__()
        if variant not in ("relu", "classic"):
            raise ValueError(f"variant should be 'relu' or 'classic', got {variant!r}")
        self.variant = variant
        classic = variant == "classic"
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2 if classic else 0)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5 if classic else 16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        if self.variant == "classic":
            act, pool = F.sigmoid, F.avg_pool2d
        else:
            act, pool = F.relu, F.max_pool2d
        x = pool(act(self.conv1(x)), 2, 2)
        x = pool(act(self.conv2(x)), 2, 2)
        x = x.reshape(x.shape[0], -1)
        x = act(self.fc1(x))
        x = act(self.fc2(x))
        return self.fc3(x)
