"""torchlet.vision.datasets: torchvision's datasets (same files on disk, same attributes)."""

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .lsun import LSUN, LSUNClass
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = [
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "CIFAR10",
    "CIFAR100",
    "ImageFolder",
    "DatasetFolder",
    "FakeData",
    "Digits",
    "LSUN",
    "LSUNClass",
    "VisionDataset",
    "StandardTransform",
]
