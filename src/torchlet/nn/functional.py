"""torchlet.nn.functional: the functional forms of the layers. Each op lives
in `torchlet/ops/` (one place), this module only gathers them."""

from ..ops.relu_sigmoid_tanh import sigmoid, tanh  # noqa: F401
from ..ops.activation import *  # noqa: F403
from ..ops.activation_piecewise import *  # noqa: F403
from ..ops.softmax import *  # noqa: F403
from ..ops.shrink import *  # noqa: F403
from ..ops.rrelu import *  # noqa: F403
from ..ops.pixel_shuffle import *  # noqa: F403
from ..ops.dropout import *  # noqa: F403
from ..ops.loss import *  # noqa: F403
from ..ops.loss_elementwise import *  # noqa: F403
from ..ops.loss_margin import *  # noqa: F403
from ..ops.loss_gaussian import *  # noqa: F403
from ..ops.embedding import *  # noqa: F403
from ..ops.linear import *  # noqa: F403
from ..ops.distance import *  # noqa: F403
from ..ops.embedding_bag import *  # noqa: F403
from ..ops.grid_sample import *  # noqa: F403
from ..ops.conv import *  # noqa: F403
from ..ops.unfold import *  # noqa: F403
from ..ops.pooling import *  # noqa: F403
from ..ops.pooling_avg import *  # noqa: F403
from ..ops.pooling_adaptive import *  # noqa: F403
from ..ops.normalization import *  # noqa: F403
from ..ops.padding import *  # noqa: F403
from ..ops.interpolate import *  # noqa: F403
from ..ops.attention import *  # noqa: F403


def relu(input, inplace=False):
    """torchlet.relu, with nn.functional's `inplace` flag."""
    return input.relu_() if inplace else input.relu()


def relu_(input):
    """In-place relu (Tensor.relu_)."""
    return input.relu_()
