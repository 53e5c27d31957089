"""Downloading and unpacking dataset files: streamed with a progress bar, MD5
checked, written atomically (a temporary file renamed into place only once it is
complete and verified, so an error or Ctrl-C never leaves a half-written file)."""

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import tarfile
import zipfile

from ..._download import atomic_path, stream

__all__ = [
    "calculate_md5",
    "check_md5",
    "check_integrity",
    "download_url",
    "extract_archive",
    "download_and_extract_archive",
    "list_dir",
    "list_files",
    "verify_str_arg",
]

USER_AGENT = "torchlet"


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """The file exists (and, when md5 is given, has that MD5)."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


_atomic_path = atomic_path


def _urlretrieve(url, fpath, md5=None):
    """Stream `url` into `fpath` (atomically), checking length and MD5; RuntimeError on failure."""
    with _atomic_path(fpath) as tmp:
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with open(tmp, "wb") as fh:
                got, total = stream(
                    url, fh, user_agent=USER_AGENT, hasher=digest, desc=os.path.basename(fpath), leave=False, timeout=60
                )
            if total is not None and got < total:
                raise RuntimeError(f"connection closed after {got} of {total} bytes")
        except RuntimeError as e:
            raise RuntimeError(f"Error downloading {url}: {e}") from None
        except Exception as e:  # URLError, HTTPError, IncompleteRead, socket errors, ...
            raise RuntimeError(f"Error downloading {url}: {type(e).__name__}: {e}") from e
        if md5 is not None and digest.hexdigest() != md5:
            raise RuntimeError(
                f"File not found or corrupted. The download from {url} has MD5 {digest.hexdigest()}, expected {md5}."
            )


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download `url` to root/filename unless a file with the right MD5 is already there."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    _urlretrieve(url, fpath, md5)


def list_dir(root, prefix=False):
    root = os.path.expanduser(root)
    dirs = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in dirs] if prefix else dirs


def list_files(root, suffix, prefix=False):
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, f) for f in files] if prefix else files


_OPENERS = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}
_ARCHIVES = (".tar", ".zip")


def _detect_file_type(file):
    """(suffix, archive type, compression) from the file name, as torchvision."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(
            f"File '{file}' has no suffixes that could be used to detect the archive type and compression."
        )
    suffix = suffixes[-1]
    if suffix in _ALIASES:
        return (suffix, *_ALIASES[suffix])
    if suffix in _ARCHIVES:
        return suffix, suffix, None
    if suffix in _OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVES:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_ALIASES) | set(_ARCHIVES) | set(_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: '{valid}'.")


def _extract_tar(from_path, to_path, compression):
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(to_path, filter="data")  # no absolute paths, '..' or device files
        else:  # pragma: no cover (Python without extraction filters)
            base = os.path.realpath(to_path)
            for m in tar.getmembers():
                if not os.path.realpath(os.path.join(to_path, m.name)).startswith(base + os.sep):
                    raise RuntimeError(f"Refusing to extract {m.name!r} outside {to_path}")
            tar.extractall(to_path)


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive, or decompress a .gz/.bz2/.xz file (atomically); returns to_path
    (or the decompressed file's path)."""
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive, compression = _detect_file_type(from_path)
    if archive is None:
        out = os.path.join(to_path, os.path.basename(from_path).replace(suffix, ""))
        with _atomic_path(out) as tmp, _OPENERS[compression](from_path, "rb") as rfh, open(tmp, "wb") as wfh:
            while chunk := rfh.read(1 << 20):
                wfh.write(chunk)
        result = out
    elif archive == ".tar":
        _extract_tar(from_path, to_path, compression)
        result = to_path
    else:
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
        result = to_path
    if remove_finished:
        os.remove(from_path)
    return result if isinstance(from_path, str) else pathlib.Path(result)


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None, remove_finished=False):
    download_root = os.path.expanduser(download_root)
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def iterable_to_str(iterable):
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    if not isinstance(value, str):
        msg = "Expected type str" + ("" if arg is None else f" for argument {arg}") + f", but got type {type(value)}."
        raise ValueError(msg)
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is not None:
        raise ValueError(custom_msg)
    raise ValueError(
        f"Unknown value '{value}' for argument {arg}. Valid values are {{{iterable_to_str(valid_values)}}}."
    )
