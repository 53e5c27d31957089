"""Text corpora: downloaded ones (MD5-checked, tried mirror by mirror, written atomically by
``torchlet.vision.datasets.utils.download_url``) and one shipped with the package.

``Shakespeare`` is seven plays (Romeo and Juliet, Hamlet, Macbeth, Othello, King Lear,
A Midsummer Night's Dream, Twelfth Night; public domain) as "SPEAKER:\\nline..." paragraphs in
Tiny Shakespeare's layout, ~0.9 MB, in ``torchlet/text/assets/`` (provenance in its README)."""

import os

from ...vision.datasets.utils import check_integrity, download_url

__all__ = ["TextCorpus", "TinyShakespeare", "TimeMachine", "Shakespeare", "bundled_text_path", "load_corpus"]

_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets")


def bundled_text_path():
    """Path of the text shipped with torchlet (works offline)."""
    return os.path.join(_DATA, "shakespeare.txt")


class TextCorpus:
    """One text file. Subclasses set ``filename``, ``md5`` and ``mirrors`` (base URLs ending in
    '/'); ``download=True`` fetches the file from the first mirror that serves it with the
    right MD5 into ``root/<ClassName>/``. ``.text`` is its content, ``.path`` its location."""

    filename = None
    md5 = None
    mirrors = []

    def __init__(self, root, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        with open(self.path, encoding="utf-8") as f:
            self.text = f.read()

    @property
    def folder(self):
        return os.path.join(self.root, type(self).__name__)

    @property
    def path(self):
        return os.path.join(self.folder, self.filename)

    def _check_exists(self):
        return check_integrity(self.path, self.md5)

    def download(self):
        if self._check_exists():
            return
        errors = []
        for mirror in self.mirrors:
            try:
                download_url(f"{mirror}{self.filename}", self.folder, self.filename, self.md5)
                return
            except (RuntimeError, OSError) as e:
                errors.append((mirror, e))
        msg = f"Error downloading {self.filename}:\n"
        raise RuntimeError(msg + "".join(f"Tried {m}, got:\n{e}\n" for m, e in errors))

    def __len__(self):
        return len(self.text)

    def __repr__(self):
        return (
            f"Dataset {type(self).__name__}\n    Number of characters: {len(self.text)}\n    Root location: {self.root}"
        )


class TinyShakespeare(TextCorpus):
    """Karpathy's char-rnn Tiny Shakespeare (1,115,394 characters)."""

    filename = "input.txt"
    md5 = "6fb458f1232090904fb40fe944165e91"
    mirrors = [
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",
        "https://raw.githubusercontent.com/dmlc/web-data/master/mxnet/tinyshakespeare/",
    ]


class TimeMachine(TextCorpus):
    """H. G. Wells, The Time Machine, as d2l serves it (178,979 bytes; d2l's SHA-1
    090b5e7e70c295757f55df93cb0a180b9691891a)."""

    filename = "timemachine.txt"
    md5 = "7353d136ab308ecd0d4f1c5bf0e23122"
    mirrors = ["http://d2l-data.s3-accelerate.amazonaws.com/", "https://d2l-data.s3-accelerate.amazonaws.com/"]


class Shakespeare(TextCorpus):
    """Seven Shakespeare plays shipped with torchlet; ``root`` and ``download`` are ignored."""

    filename = "shakespeare.txt"

    def __init__(self, root=None, download=False):
        super().__init__(_DATA)

    @property
    def folder(self):
        return _DATA


_CORPORA = {"shakespeare": Shakespeare, "tinyshakespeare": TinyShakespeare, "timemachine": TimeMachine}


def load_corpus(name, root="data", download=True):
    """Text of a corpus by name (shakespeare | tinyshakespeare | timemachine) or of a file path."""
    key = os.fspath(name).lower()
    if key in _CORPORA:
        return _CORPORA[key](root, download=download).text
    if os.path.isfile(name):
        with open(name, encoding="utf-8") as f:
            return f.read()
    raise ValueError(f"Unknown dataset '{name}': expected one of {sorted(_CORPORA)} or a text file path")
