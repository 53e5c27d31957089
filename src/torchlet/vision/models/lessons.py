"""Small models the lessons build by hand, as named constructors."""

from torchlet import nn

__all__ = ["cifar10_sequential"]


def cifar10_sequential(num_classes=10):
    """The lessons' CIFAR-10 network (seeds 45, 49, 50): three 5x5 convs (padding 2) each followed
    by 2x2 max pooling, then Flatten, Linear(1024, 64), Linear(64, classes); 3x32x32 input."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1024, 64),
        nn.Linear(64, num_classes),
    )
