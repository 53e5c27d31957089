"""torchlet.nn: modules, layers, losses, functional, init, utils."""

from .parameter import *  # noqa: F403
from .module import *  # noqa: F403
from .containers import *  # noqa: F403
from .linear import *  # noqa: F403
from .lazy import LazyLinear, UninitializedParameter
from .flatten import *  # noqa: F403
from .activation import *  # noqa: F403
from .dropout import *  # noqa: F403
from .loss import *  # noqa: F403
from .loss_margin import *  # noqa: F403
from .distance import *  # noqa: F403
from .sparse import *  # noqa: F403
from .conv import *  # noqa: F403
from .pooling import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .upsampling import *  # noqa: F403
from .pixelshuffle import *  # noqa: F403
from .rnn import *  # noqa: F403
from .transformer import *  # noqa: F403
from .transformer_decoder import *  # noqa: F403
from .sync_batchnorm import SyncBatchNorm
from .parallel import DataParallel
from . import functional, init, utils, parallel
from . import attention
from . import modules
