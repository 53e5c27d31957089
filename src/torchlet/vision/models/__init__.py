"""torchlet.vision.models: torchvision's classification models (same module names and state_dict
keys, so torchvision checkpoints load with strict=True) and the lessons' own models."""
from .alexnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .googlenet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .lenet import *  # noqa: F401,F403
from .nin import *  # noqa: F401,F403
from .lessons import *  # noqa: F401,F403
