"""torchlet.nn: modules, layers, losses, functional, init, utils."""
from .parameter import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .containers import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .lazy import LazyLinear, UninitializedParameter  # noqa: F401
from .flatten import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .loss_margin import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .transformer_decoder import *  # noqa: F401,F403
from .sync_batchnorm import SyncBatchNorm  # noqa: F401
from .parallel import DataParallel  # noqa: F401,E402
from . import functional, init, utils, parallel  # noqa: F401,E402
from . import attention  # noqa: F401,E402  (torch.nn.attention: sdpa backends, causal biases, flex_attention)
from . import modules  # noqa: F401,E402  (torch.nn.modules.<file>.<Class> paths)
