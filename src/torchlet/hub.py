"""torchlet.hub: downloading checkpoints into PyTorch's cache.

`load_state_dict_from_url(url)` keeps files in `<hub dir>/checkpoints` (the hub dir is
`$TORCH_HOME/hub`, `$TORCH_HOME` defaulting to `$XDG_CACHE_HOME/torch` or `~/.cache/torch`,
or what `set_dir` chose), the same place PyTorch uses, so both share one cache. A file
already there is not downloaded again. With `check_hash=True` the file name's
`<name>-<sha256 prefix>.<ext>` part is checked against the download's SHA-256.
`download_url_to_file` streams with a progress bar into `<dst>.<uuid hex>.partial` and
moves it onto `dst` only when complete and verified.

`load(repo_or_dir, model, *args, source="github"|"local", ...)`, `list(github)` and
`help(github, model)` run a repo's `hubconf.py` as PyTorch does: its `dependencies` are checked,
its public callables are the entrypoints, `help` returns an entrypoint's docstring. A GitHub repo
"owner/name[:ref]" is downloaded once as `GITHUB_URL/owner/name/zipball/ref` into
`<hub dir>/owner_name_ref` (`force_reload` fetches it again; without a ref, "main" if that branch
exists, else "master"); unless `skip_validation`, the ref must be one of the repo's branches or
tags (`GITHUB_API_URL`); `trust_repo` ("check", True, False) asks with input() before running an
untrusted repo's code and records trusted repos in `<hub dir>/trusted_list`. GITHUB_URL and
GITHUB_API_URL are module attributes so tests can point them at a local server.
"""

import contextlib
import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

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


# ----- models from a repository's hubconf.py -----------------------------------------------------
GITHUB_URL = "https://github.com"  # where repo archives and branch pages come from (tests: a loopback server)
GITHUB_API_URL = "https://api.github.com"  # where branch/tag lists come from (skip_validation=False)
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")


@contextlib.contextmanager
def _add_to_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _remove_if_exists(path):
    if os.path.isfile(path):
        os.remove(path)
    elif os.path.exists(path):
        shutil.rmtree(path)


def _parse_repo_info(github):
    """(owner, name, ref) of "owner/name[:ref]"; no ref: "main" if the repo has that branch,
    else "master" (offline: whichever the cache holds)."""
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    owner, name = repo_info.split("/")
    if ref is None:
        try:
            with urlopen(f"{GITHUB_URL}/{owner}/{name}/tree/main/"):
                ref = "main"
        except HTTPError as e:
            if e.code != 404:
                raise
            ref = "master"
        except URLError as e:
            ref = next((r for r in ("main", "master") if os.path.exists(f"{get_dir()}/{owner}_{name}_{r}")), None)
            if ref is None:
                raise RuntimeError(
                    "It looks like there is no internet connection and the "
                    f"repo could not be found in the cache ({get_dir()})"
                ) from e
    return owner, name, ref


def _read_json(url, headers):
    with urlopen(Request(url, headers=headers)) as r:
        return json.loads(r.read().decode(r.headers.get_content_charset("utf-8")))


def _validate_not_a_forked_repo(owner, name, ref):
    """ValueError unless `ref` names a branch or tag of owner/name, or a commit one points at."""
    headers = {"Accept": "application/vnd.github.v3+json"}
    token = os.environ.get(ENV_GITHUB_TOKEN)
    if token is not None:
        headers["Authorization"] = f"token {token}"
    for kind in ("branches", "tags"):
        page = 0
        while True:
            page += 1
            url = f"{GITHUB_API_URL}/repos/{owner}/{name}/{kind}?per_page=100&page={page}"
            try:
                items = _read_json(url, headers)
            except HTTPError:  # again without the token: it may lack the permission
                headers.pop("Authorization", None)
                items = _read_json(url, headers)
            if not items:
                break
            if any(it["name"] == ref or it["commit"]["sha"].startswith(ref) for it in items):
                return
    raise ValueError(
        f"Cannot find {ref} in https://github.com/{owner}/{name}. "
        "If it's a commit from a forked repo, please call hub.load() with forked repo directly."
    )


def _check_repo_is_trusted(owner, name, owner_name_branch, trust_repo):
    """Ask (input()) unless the repo is trusted: listed in <hub dir>/trusted_list, already
    downloaded, or owned by a PyTorch organisation; trust_repo=True trusts it without asking,
    False always asks. A trusted repo is added to the list."""
    hub_dir = get_dir()
    path = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(path):
        open(path, "a").close()
    with open(path) as fh:
        listed = tuple(line.strip() for line in fh)
    owner_name = f"{owner}_{name}"
    is_trusted = owner_name in listed or owner_name_branch in next(os.walk(hub_dir))[1] or owner in _TRUSTED_REPO_OWNERS
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories and as such cannot "
            "be downloaded. Do you trust this repository and wish to add it to the trusted list of repositories (y/N)?"
        )
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(path, "a") as fh:
            fh.write(owner_name + "\n")


def _extract(zf, hub_dir):
    """Extract the archive under hub_dir, refusing entries that would land outside it."""
    root = os.path.realpath(hub_dir)
    for member in zf.infolist():
        target = os.path.realpath(os.path.join(root, member.filename))
        if os.path.isabs(member.filename) or os.path.commonpath([root, target]) != root:
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
    zf.extractall(root)


def _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=False):
    """The directory holding the repo's code: <hub dir>/<owner>_<name>_<ref>, downloaded as
    GitHub's zipball and unpacked there unless already cached (or force_reload)."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github)
    normalized_ref = ref.replace("/", "_")  # branch names may hold '/'
    owner_name_branch = f"{owner}_{name}_{normalized_ref}"
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(owner, name, owner_name_branch, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    if not skip_validation:
        _validate_not_a_forked_repo(owner, name, ref)
    cached_file = os.path.join(hub_dir, normalized_ref + ".zip")
    _remove_if_exists(cached_file)
    url = f"{GITHUB_URL}/{owner}/{name}/zipball/{ref}"
    sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
    try:
        download_url_to_file(url, cached_file, progress=False)
    except HTTPError as err:
        if err.code != 300:
            raise
        warnings.warn(  # both a tag and a branch: taken as the branch, as git does
            f"The ref {ref} is ambiguous. Perhaps it is both a tag and a branch in the repo? "
            "Torchhub will now assume that it's a branch. "
            "You can disambiguate tags and branches by explicitly passing refs/heads/branch_name or "
            "refs/tags/tag_name as the ref. That might require using skip_validation=True.",
            stacklevel=3,
        )
        download_url_to_file(f"{GITHUB_URL}/{owner}/{name}/zipball/refs/heads/{ref}", cached_file, progress=False)
    with zipfile.ZipFile(cached_file) as zf:
        extracted = os.path.join(hub_dir, zf.infolist()[0].filename)
        _remove_if_exists(extracted)
        _extract(zf, hub_dir)
    _remove_if_exists(cached_file)
    _remove_if_exists(repo_dir)
    shutil.move(extracted, repo_dir)
    return repo_dir


def _check_dependencies(m):
    deps = getattr(m, VAR_DEPENDENCY, None)
    if deps is not None:
        missing = [pkg for pkg in deps if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _load_entry_from_hubconf(m, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(m)
    func = getattr(m, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _hubconf(repo_dir):
    with _add_to_sys_path(repo_dir):
        return _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):
    """The entrypoints of "owner/name[:ref]"'s hubconf.py: its callables not starting with '_'."""
    hub_module = _hubconf(_get_cache_or_reload(github, force_reload, trust_repo, verbose, skip_validation))
    return [f for f in dir(hub_module) if callable(getattr(hub_module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):
    """The docstring of entrypoint `model` of "owner/name[:ref]"'s hubconf.py."""
    hub_module = _hubconf(_get_cache_or_reload(github, force_reload, trust_repo, True, skip_validation))
    return _load_entry_from_hubconf(hub_module, model).__doc__


def load(
    repo_or_dir,
    model,
    *args,
    source="github",
    trust_repo="check",
    force_reload=False,
    verbose=True,
    skip_validation=False,
    **kwargs,
):
    """`model(*args, **kwargs)` from the hubconf.py of a GitHub repo ("owner/name[:ref]",
    source="github") or of a directory (source="local"). The repo's code runs as it is: under
    torchlet.compat its `import torch` is torchlet."""
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose, skip_validation)
    return _load_local(repo_or_dir, model, *args, **kwargs)


def _load_local(hubconf_dir, model, *args, **kwargs):
    with _add_to_sys_path(hubconf_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
        return _load_entry_from_hubconf(hub_module, model)(*args, **kwargs)
