"""Offline data for the pytorch/examples programs, in the layout each one expects,
generated from fixed seeds (nothing is downloaded):

  mnist_idx(root)        <root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (tiny MNIST)
  text_corpus(dir)       train.txt / valid.txt / test.txt (word_language_model's wikitext-2 layout)
  bsds300(dest)          <dest>/BSDS300/images/{train,test}/*.jpg (super_resolution)
  cora_tgz(path)         cora.tgz holding cora/cora.content + cora/cora.cites (gcn, gat)
  sine_waves(path)       traindata.pt as generate_sine_wave.py writes it, smaller
  image(path, size)      one RGB JPEG (fast_neural_style's content image)
"""

import io
import os
import struct
import tarfile

import numpy as np

_WORDS = (
    "the of and to in a is that for it as was with be by on not he i this are or his from at which "
    "but have an they you were her she there been one all we their has would when if so no will "
    "time model data train learn network layer weight value loss"
).split()


def _digit_images(rng, n):
    """28x28 uint8 images: a bright stroke pattern per class plus noise, labels 0-9."""
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    imgs = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        r = 4 + 2 * c
        imgs[i, r : r + 3, 6:22] = 255 - c * 10
        imgs[i, 6:22, r : r + 2] = 200
    return imgs, labels.astype(np.uint8)


def mnist_idx(root, n_train=256, n_test=128, seed=0):
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("t10k", n_test)):
        imgs, labels = _digit_images(rng, n)
        with open(os.path.join(raw, f"{split}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 2051, n, 28, 28) + imgs.tobytes())
        with open(os.path.join(raw, f"{split}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 2049, n) + labels.tobytes())
    return raw


def text_corpus(directory, lines=(60, 12, 12), seed=0):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, n in zip(("train.txt", "valid.txt", "test.txt"), lines):
        with open(os.path.join(directory, name), "w", encoding="utf8") as f:
            for _ in range(n):
                words = rng.choice(_WORDS, size=int(rng.integers(6, 14)))
                f.write(" " + " ".join(words) + " . \n")
    return directory


def image(path, size=(32, 32), seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    h, w = size
    y, x = np.mgrid[0:h, 0:w]
    arr = np.stack(
        [(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), rng.integers(0, 256, size=(h, w))], -1
    ).astype(np.uint8)
    Image.fromarray(arr).save(path, quality=95)
    return path


def bsds300(dest, n_train=4, n_test=2, size=(256, 256)):
    for split, n in (("train", n_train), ("test", n_test)):
        d = os.path.join(dest, "BSDS300", "images", split)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            image(os.path.join(d, f"{1000 + i}.jpg"), size, seed=i + (100 if split == "test" else 0))
    return dest


def cora_tgz(path, n_nodes=1800, n_features=40, n_classes=7, n_edges=4000, seed=0):
    """A cora-like citation graph: `<id> <binary features...> <class>` and `<cited> <citing>`."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(10, 10 * n_nodes * 3), size=n_nodes, replace=False)
    classes = [f"Class_{c}" for c in range(n_classes)]
    labels = rng.integers(0, n_classes, size=n_nodes)
    feats = (rng.random((n_nodes, n_features)) < 0.1).astype(int)
    feats[np.arange(n_nodes), labels * (n_features // n_classes)] = 1  # every node has a feature
    content = "".join(f"{i}\t" + "\t".join(map(str, f)) + f"\t{classes[c]}\n" for i, f, c in zip(ids, feats, labels))
    src, dst = rng.integers(0, n_nodes, size=n_edges), rng.integers(0, n_nodes, size=n_edges)
    keep = src != dst
    cites = "".join(f"{ids[a]}\t{ids[b]}\n" for a, b in zip(src[keep], dst[keep]))
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("cora/cora.content", content), ("cora/cora.cites", cites)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def sine_waves(T=20, L=60, N=8, seed=2):
    """generate_sine_wave.py's array (N sine waves of length L, random phase), smaller."""
    rng = np.random.RandomState(seed)
    x = np.empty((N, L), "int64")
    x[:] = np.array(range(L)) + rng.randint(-4 * T, 4 * T, N).reshape(N, 1)
    return np.sin(x / 1.0 / T).astype("float64")
