"""torchlet.vision.transforms: torchvision.transforms on PIL images and tensors."""
from .transforms import *  # noqa: F401,F403
from .autoaugment import *  # noqa: F401,F403
from . import functional  # noqa: F401
