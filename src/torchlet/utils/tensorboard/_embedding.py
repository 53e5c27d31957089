"""Files of TensorBoard's embedding projector, laid out as PyTorch writes them:
<logdir>/<step:05d>/<tag>/tensors.tsv (+ metadata.tsv, sprite.png) and
<logdir>/projector_config.pbtxt listing every embedding."""

import io
import math
import os

import numpy as np

from ._convert import make_grid, make_np

__all__ = ["make_tsv", "make_sprite", "make_mat", "embedding_info", "write_pbtxt"]


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tsv(metadata, save_path, metadata_header=None):
    """metadata.tsv: one label per line, or a header row and tab-separated columns."""
    if not metadata_header:
        lines = [str(x) for x in metadata]
    else:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
    _write(os.path.join(save_path, "metadata.tsv"), ("\n".join(lines) + "\n").encode("utf-8"))


def make_sprite(label_img, save_path):
    """sprite.png: the label images (N, C, H, W, values in [0, 1]) on a square grid."""
    from PIL import Image

    imgs = make_np(label_img)
    nrow = math.ceil(imgs.shape[0] ** 0.5)
    grid = make_grid(imgs, ncols=nrow).transpose(1, 2, 0)  # HWC
    side = grid.shape[1]
    square = np.zeros((side, side, 3))
    square[: grid.shape[0]] = grid
    buf = io.BytesIO()
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(buf, format="PNG")
    _write(os.path.join(save_path, "sprite.png"), buf.getvalue())


def make_mat(mat, save_path):
    """tensors.tsv: one tab-separated row of the embedding matrix per data point."""
    text = "".join("\t".join(str(v) for v in row) + "\n" for row in mat.tolist())
    _write(os.path.join(save_path, "tensors.tsv"), text.encode("utf-8"))


def embedding_info(metadata, label_img, subdir, global_step, tag):
    from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

    info = EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(global_step).zfill(5)}"
    info.tensor_path = subdir + "/tensors.tsv"
    if metadata is not None:
        info.metadata_path = subdir + "/metadata.tsv"
    if label_img is not None:
        shape = make_np(label_img).shape
        info.sprite.image_path = subdir + "/sprite.png"
        info.sprite.single_image_dim.extend([shape[3], shape[2]])
    return info


def write_pbtxt(log_dir, config):
    from google.protobuf import text_format

    _write(os.path.join(log_dir, "projector_config.pbtxt"), text_format.MessageToString(config).encode("utf-8"))
