"""Downloading a checkpoint into the cache and loading it: torch.hub.load_state_dict_from_url's
behaviour (TORCH_HOME/hub/checkpoints, the SHA-256 prefix in the file name checked with
check_hash=True), reusing the dataset downloader's streamed, atomic writes.
(A torchlet.hub module is being built separately; fold this into it when it lands.)"""
import hashlib
import os
import re
import urllib.parse

import torchlet
from ..datasets.utils import _urlretrieve

_HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")


def _get_torch_home():
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(
        os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """Download `url` into `model_dir` (default TORCH_HOME/hub/checkpoints) unless the file is already
    there, then torchlet.load it. With check_hash the file's SHA-256 must start with the hex digits after
    the last '-' of the file name (RuntimeError otherwise, and the bad file is removed)."""
    model_dir = model_dir or os.path.join(_get_torch_home(), "hub", "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        _urlretrieve(url, cached_file)
        if check_hash:
            match = _HASH_REGEX.search(filename)
            prefix = match.group(1) if match else None
            digest = _sha256(cached_file)
            if prefix and digest[:len(prefix)] != prefix:
                os.remove(cached_file)
                raise RuntimeError(f'invalid hash value (expected "{prefix}", got "{digest}")')
    return torchlet.load(cached_file, map_location=map_location, weights_only=weights_only)
