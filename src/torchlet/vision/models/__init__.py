"""torchlet.vision.models: torchvision's classification models (same module names and state_dict
keys, so torchvision checkpoints load with strict=True) and the lessons' own models."""

from .alexnet import *  # noqa: F403
from .vgg import *  # noqa: F403
from .googlenet import *  # noqa: F403
from .resnet import *  # noqa: F403
from .densenet import *  # noqa: F403
from .lenet import *  # noqa: F403
from .nin import *  # noqa: F403
from .lessons import *  # noqa: F403
from .mobilenetv2 import *  # noqa: F403
from .squeezenet import *  # noqa: F403
from .inception import *  # noqa: F403
from .vision_transformer import *  # noqa: F403
from ._weights import *  # noqa: F403
from ._api import Weights, WeightsEnum, get_model, get_model_builder, get_model_weights, get_weight, list_models
from . import detection
