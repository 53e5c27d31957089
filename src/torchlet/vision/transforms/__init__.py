"""torchlet.vision.transforms: torchvision.transforms on PIL images and tensors."""

from .transforms import *  # noqa: F403
from .autoaugment import *  # noqa: F403
from . import functional
