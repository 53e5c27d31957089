"""torchlet.hub: downloading checkpoints into PyTorch's cache.

`load_state_dict_from_url(url)` keeps files in `<hub dir>/checkpoints` (the hub dir is
`$TORCH_HOME/hub`, `$TORCH_HOME` defaulting to `$XDG_CACHE_HOME/torch` or `~/.cache/torch`,
or what `set_dir` chose), the same place PyTorch uses, so both share one cache. A file
already there is not downloaded again. With `check_hash=True` the file name's
`<name>-<sha256 prefix>.<ext>` part is checked against the download's SHA-256.
`download_url_to_file` streams with a progress bar into `<dst>.<uuid hex>.partial` and
moves it onto `dst` only when complete and verified. Loading a model from a GitHub repo
(`hub.load`, `hub.list`) needs running that repo's code and is not provided.
"""

import errno
import hashlib
import os
import re
import sys
import tempfile
import uuid
import warnings
from urllib.parse import urlparse

from ._download import atomic_path, stream

__all__ = ["download_url_to_file", "get_dir", "set_dir", "load_state_dict_from_url", "load", "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
_hub_dir = None


def _get_torch_home():
    return os.path.expanduser(
        os.getenv(ENV_TORCH_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch"))
    )


def get_dir():
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _partial_name(dst):
    for _ in range(tempfile.TMP_MAX):
        tmp = dst + "." + uuid.uuid4().hex + ".partial"
        try:
            with open(tmp, "xb"):
                return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No usable temporary file name found")


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download `url` to `dst` (atomically); RuntimeError when the SHA-256 does not start
    with `hash_prefix`, or (unlike PyTorch, which keeps the short file) when the connection
    closes before Content-Length bytes arrived. Network errors (urllib's HTTPError,
    URLError) reach the caller unchanged, as in PyTorch."""
    dst = os.path.expanduser(dst)
    with atomic_path(dst, _partial_name) as tmp:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        with open(tmp, "wb") as fh:
            got, total = stream(url, fh, user_agent="torch.hub", hasher=sha256, progress=progress, unit_divisor=1024)
        if total is not None and got < total:  # PyTorch would keep the truncated file
            raise RuntimeError(f"Error downloading {url}: connection closed after {got} of {total} bytes")
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[: len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')


def load_state_dict_from_url(
    url, model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None, weights_only=False
):
    """The object saved at `url`, downloaded once into the hub cache and read with torchlet.load."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = os.path.basename(urlparse(url).path)
    if file_name is not None:
        filename = file_name
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            r = HASH_REGEX.search(filename)
            hash_prefix = r.group(1) if r else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    from .serialization import load as _load

    return _load(cached_file, map_location=map_location, weights_only=weights_only)


def _needs_repo_code(*args, **kwargs):
    raise NotImplementedError(
        "torchlet.hub cannot load models from GitHub repositories (that runs the "
        "repository's own PyTorch code); build the model from torchlet and load its "
        "weights with hub.load_state_dict_from_url"
    )


load = list = help = _needs_repo_code
