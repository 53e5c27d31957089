"""torchlet.vision.datasets: torchvision's datasets (same files on disk, same attributes)."""
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .digits import Digits  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .lsun import LSUN, LSUNClass  # noqa: F401
from .mnist import KMNIST, MNIST, FashionMNIST  # noqa: F401
from .vision import StandardTransform, VisionDataset  # noqa: F401

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "ImageFolder", "DatasetFolder",
           "FakeData", "Digits", "LSUN", "LSUNClass", "VisionDataset", "StandardTransform"]
