"""SummaryWriter: what we write is read back with tensorboard's own EventAccumulator,
and compared with what PyTorch's SummaryWriter writes for the same calls."""

import io
import os
import re
import socket
import sys

import numpy as np
import pytest
from conftest import require

require("tensorboard")

import torchlet  # noqa: E402
from torchlet import nn  # noqa: E402
from torchlet.utils.tensorboard import SummaryWriter  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402


def _acc(path):
    """EventAccumulator over `path` keeping everything (size guidance 0 = all)."""
    return ea.EventAccumulator(str(path), size_guidance={k: 0 for k in ea.DEFAULT_SIZE_GUIDANCE}).Reload()


def _events(path):
    """All events of the (single) event file in `path`."""
    files = sorted(f for f in os.listdir(path) if f.startswith("events.out.tfevents"))
    assert len(files) == 1, files
    return list(EventFileLoader(os.path.join(path, files[0])).Load())


def _summaries(path):
    """[(step, Summary.Value)] of every summary event, wall time left out."""
    return [(e.step, v) for e in _events(path) if e.HasField("summary") for v in e.summary.value]


def _png(encoded):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(encoded)))


def _both(torch, tmp_path, calls):
    """Run `calls(writer, lib)` with our writer and with PyTorch's; return both log dirs."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    ours, theirs = tmp_path / "ours", tmp_path / "torch"
    with SummaryWriter(str(ours)) as w:
        calls(w, torchlet)
    with TorchWriter(str(theirs)) as w:
        calls(w, torch)
    return ours, theirs


# ----- scalars ------------------------------------------------------------
def test_scalars_read_back_and_match_torch(torch, tmp_path):
    vals = [0.5, 3, np.float32(1.25), np.float64(-2.0)]

    def calls(w, lib):
        for i, v in enumerate(vals):
            w.add_scalar("Loss/train", v, i)
        w.add_scalar("Loss/test", lib.tensor(0.25, requires_grad=True) * 2, 7)  # a grad-requiring loss
        w.add_scalar("acc", lib.tensor([3]) / 4, 8)  # one-element tensor
        w.add_scalar("lr", 1e-3)  # no step
        w.add_scalar("new", 1.5, 2, new_style=True)
        w.add_scalar("newd", 1 / 3, 2, new_style=True, double_precision=True)

    ours, theirs = _both(torch, tmp_path, calls)
    a, b = _acc(ours), _acc(theirs)
    assert sorted(a.Tags()["scalars"]) == sorted(b.Tags()["scalars"]) == ["Loss/test", "Loss/train", "acc", "lr"]
    assert sorted(a.Tags()["tensors"]) == ["new", "newd"]  # new-style scalars are tensor summaries
    for tag in a.Tags()["scalars"]:
        assert [(e.step, e.value) for e in a.Scalars(tag)] == [(e.step, e.value) for e in b.Scalars(tag)]
    assert [(e.step, e.value) for e in a.Scalars("Loss/train")] == [(0, 0.5), (1, 3.0), (2, 1.25), (3, -2.0)]
    assert [v for _, v in _summaries(ours)] == [v for _, v in _summaries(theirs)]
    d = _summaries(ours)[-1][1]
    assert d.metadata.plugin_data.plugin_name == "scalars"
    assert tensor_util.make_ndarray(d.tensor).dtype == np.float64
    assert tensor_util.make_ndarray(d.tensor) == 1 / 3


def test_scalar_needs_one_element(torch, tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(AssertionError):
            w.add_scalar("x", torchlet.ones(2), 0)
        with pytest.raises(NotImplementedError):
            w.add_scalar("x", [1.0], 0)
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    with TorchWriter(str(tmp_path / "t")) as w:
        with pytest.raises(AssertionError):
            w.add_scalar("x", torch.ones(2), 0)
        with pytest.raises(NotImplementedError):
            w.add_scalar("x", [1.0], 0)


def test_add_scalars_child_runs(torch, tmp_path):
    def calls(w, lib):
        for step in range(3):
            w.add_scalars(
                "run_14h/loss",
                {"xsinx": step * np.sin(step), "xcosx": step * np.cos(step), "t": lib.tensor(float(step))},
                step,
            )

    ours, theirs = _both(torch, tmp_path, calls)
    subdirs = sorted(d for d in os.listdir(ours) if os.path.isdir(ours / d))
    assert subdirs == sorted(d for d in os.listdir(theirs) if os.path.isdir(theirs / d))
    assert subdirs == ["run_14h_loss_t", "run_14h_loss_xcosx", "run_14h_loss_xsinx"]
    for d in subdirs:
        a, b = _acc(ours / d), _acc(theirs / d)
        assert a.Tags()["scalars"] == ["run_14h/loss"]
        assert [(e.step, e.value) for e in a.Scalars("run_14h/loss")] == [
            (e.step, e.value) for e in b.Scalars("run_14h/loss")
        ]


# ----- histograms ---------------------------------------------------------
@pytest.mark.parametrize(
    "bins,max_bins", [("tensorflow", None), ("auto", None), ("fd", None), (10, None), ("tensorflow", 20), (30, 7)]
)
def test_histograms_match_torch(torch, tmp_path, bins, max_bins):
    rng = np.random.default_rng(0)
    data = [
        rng.standard_normal(1000).astype(np.float32),
        rng.uniform(-3, 7, (20, 30)),
        np.array([0.0, 0.0, 1.0]),
        rng.integers(-5, 5, 50),
    ]

    def calls(w, lib):
        for step, x in enumerate(data):
            w.add_histogram("h", lib.tensor(x), step, bins=bins, max_bins=max_bins)
        w.add_histogram("np", data[1], 0, bins=bins, max_bins=max_bins)

    ours, theirs = _both(torch, tmp_path, calls)
    a, b = _acc(ours), _acc(theirs)
    assert sorted(a.Tags()["histograms"]) == ["h", "np"]
    for tag in ("h", "np"):
        for ea_, eb in zip(a.Histograms(tag), b.Histograms(tag), strict=True):
            ha, hb = ea_.histogram_value, eb.histogram_value
            assert ea_.step == eb.step
            assert ha == hb
    for step, x in enumerate(data):
        h = a.Histograms("h")[step].histogram_value
        assert sum(h.bucket) == h.num == x.size
        assert h.min == float(x.min()) and h.max == float(x.max())
        assert h.bucket_limit[-1] >= h.max
        assert np.isclose(h.sum, x.astype(np.float64).sum())


def test_histogram_raw_and_errors(torch, tmp_path):
    def calls(w, lib):
        w.add_histogram_raw(
            "raw",
            min=0.0,
            max=4.0,
            num=6,
            sum=12.0,
            sum_squares=30.0,
            bucket_limits=[1.0, 2.0, 4.0],
            bucket_counts=[1, 2, 3],
            global_step=2,
        )

    ours, theirs = _both(torch, tmp_path, calls)
    assert _acc(ours).Histograms("raw")[0].histogram_value == _acc(theirs).Histograms("raw")[0].histogram_value
    with SummaryWriter(str(tmp_path / "e")) as w:
        with pytest.raises(ValueError):
            w.add_histogram_raw("raw", 0, 1, 1, 1, 1, [1.0, 2.0], [1])
        with pytest.raises(ValueError):
            w.add_histogram("empty", torchlet.zeros(0), 0)


# ----- images -------------------------------------------------------------
def test_images_pixels_match_input_and_torch(torch, tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 9, 11), dtype=np.float32)
    hwc_u8 = rng.integers(0, 256, (7, 5, 3), dtype=np.uint8)
    hw = rng.random((6, 4))
    gray_chw = rng.random((1, 5, 5), dtype=np.float32)
    rgba_hwc = rng.integers(0, 256, (4, 4, 4), dtype=np.uint8)
    batch = rng.random((11, 3, 4, 6), dtype=np.float32)  # 11 images: 8 per row, 2 rows
    batch_gray = rng.random((5, 1, 3, 3), dtype=np.float32)
    nhwc = rng.random((2, 3, 4, 3), dtype=np.float32) * 1.5 - 0.25  # out of range: clipped

    def calls(w, lib):
        w.add_image("chw", lib.tensor(chw), 0)
        w.add_image("hwc_u8", hwc_u8, 1, dataformats="HWC")
        w.add_image("hw", lib.tensor(hw), 2, dataformats="HW")
        w.add_image("gray", lib.tensor(gray_chw), 3)
        w.add_image("rgba", rgba_hwc, 4, dataformats="HWC")
        w.add_images("batch", lib.tensor(batch), 5)
        w.add_images("batch_gray", lib.tensor(batch_gray), 6)
        w.add_images("nhwc", lib.tensor(nhwc), 7, dataformats="NHWC")

    ours, theirs = _both(torch, tmp_path, calls)
    a, b = _acc(ours), _acc(theirs)
    tags = ["batch", "batch_gray", "chw", "gray", "hw", "hwc_u8", "nhwc", "rgba"]
    assert sorted(a.Tags()["images"]) == sorted(b.Tags()["images"]) == tags
    pix = {}
    for tag in tags:
        (ia,), (ib,) = a.Images(tag), b.Images(tag)
        assert (ia.step, ia.width, ia.height) == (ib.step, ib.width, ib.height)
        pix[tag] = _png(ia.encoded_image_string)
        np.testing.assert_array_equal(pix[tag], _png(ib.encoded_image_string))
    to8 = lambda x: (x.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pix["chw"], to8(chw).transpose(1, 2, 0))
    np.testing.assert_array_equal(pix["hwc_u8"], hwc_u8)
    np.testing.assert_array_equal(pix["hw"], np.stack([to8(hw)] * 3, 2))
    np.testing.assert_array_equal(pix["gray"], np.repeat(to8(gray_chw).transpose(1, 2, 0), 3, 2))
    np.testing.assert_array_equal(pix["rgba"], rgba_hwc)
    grid = pix["batch"]
    assert grid.shape == (2 * 4, 8 * 6, 3)
    for i in range(11):
        r, c = divmod(i, 8)
        np.testing.assert_array_equal(grid[r * 4 : (r + 1) * 4, c * 6 : (c + 1) * 6], to8(batch[i]).transpose(1, 2, 0))
    assert not grid[4:, 3 * 6 :].any()  # empty cells are black
    assert pix["batch_gray"].shape == (3, 15, 3)
    np.testing.assert_array_equal(pix["nhwc"][:, 4:8], to8(nhwc[1]))


def test_image_format_errors(torch, tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    bad = [(np.zeros((3, 4, 4)), "HWCC"), (np.zeros((3, 4, 4)), "HW"), (np.zeros((2, 2, 4, 4)), "NCHW")]
    with SummaryWriter(str(tmp_path / "o")) as w, TorchWriter(str(tmp_path / "t")) as tw:
        for x, fmt in bad:
            for writer in (w, tw):
                with pytest.raises(AssertionError):
                    writer.add_images("bad", x, 0, dataformats=fmt)


def test_add_figure(tmp_path):
    plt = require("matplotlib.pyplot")
    fig = plt.figure(figsize=(2, 1), dpi=50)
    fig.gca().plot([0, 1], [1, 0])
    figs = []
    for _ in range(2):
        f = plt.figure(figsize=(2, 1), dpi=50)
        f.gca().plot([0, 1], [0, 1])
        figs.append(f)
    with SummaryWriter(str(tmp_path)) as w:
        w.add_figure("fig", fig, 0)
        w.add_figure("figs", figs, 1)
    a = _acc(tmp_path)
    assert _png(a.Images("fig")[0].encoded_image_string).shape == (50, 100, 3)
    assert _png(a.Images("figs")[0].encoded_image_string).shape == (50, 200, 3)


# ----- text, audio, video, custom scalars ---------------------------------
def test_text_audio_custom_scalars_match_torch(torch, tmp_path):
    snd = np.sin(np.linspace(0, 20, 800)).astype(np.float32)

    def calls(w, lib):
        w.add_text("Summary", "final test accuracy 0.9876 ✓", 3)
        w.add_text("notes", "**markdown**", 4)
        w.add_audio("snd", lib.tensor(snd), 1, sample_rate=8000)
        w.add_custom_scalars(
            {
                "Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]]},
            }
        )
        w.add_custom_scalars_multilinechart(["a", "b"], category="c", title="t")

    ours, theirs = _both(torch, tmp_path, calls)
    assert _summaries(ours) == _summaries(theirs)
    a = _acc(ours)
    t = a.Tensors("Summary/text_summary")[0]
    assert t.step == 3
    assert tensor_util.make_ndarray(t.tensor_proto)[0].decode() == "final test accuracy 0.9876 ✓"
    assert a.PluginTagToContent("text").keys() == {"Summary/text_summary", "notes/text_summary"}
    (au,) = a.Audio("snd")
    assert au.sample_rate == 8000 and au.length_frames == 800 and au.content_type == "audio/wav"


def test_video_is_animated_gif_laid_out_as_torch(torch, tmp_path):
    from PIL import Image
    from torch.utils.tensorboard._utils import _prepare_video

    # few colours, so the GIF palette keeps them exactly
    vid = np.random.default_rng(0).integers(0, 2, (3, 5, 3, 8, 6)).astype(np.float32)  # N T C H W
    with SummaryWriter(str(tmp_path)) as w:
        w.add_video("vid", torchlet.tensor(vid), 0, fps=10)
    (img,) = _acc(tmp_path).Images("vid")
    gif = Image.open(io.BytesIO(img.encoded_image_string))
    expected = (_prepare_video(vid) * 255).astype(np.uint8)  # T H W C, as PyTorch lays out frames
    assert gif.format == "GIF" and gif.n_frames == 5
    assert (img.height, img.width) == expected.shape[1:3]
    for t in range(5):
        gif.seek(t)
        np.testing.assert_array_equal(np.asarray(gif.convert("RGB")), expected[t])


# ----- pr curves ----------------------------------------------------------
@pytest.mark.parametrize("num_thresholds,weighted", [(127, False), (11, True), (500, False)])
def test_pr_curve_matches_torch(torch, tmp_path, num_thresholds, weighted):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 200)
    preds = rng.random(200).astype(np.float32)
    weights = rng.random(200) if weighted else None

    def calls(w, lib):
        w.add_pr_curve("pr", lib.tensor(labels), lib.tensor(preds), 5, num_thresholds=num_thresholds, weights=weights)

    ours, theirs = _both(torch, tmp_path, calls)
    a, b = _acc(ours), _acc(theirs)
    assert a.Tags()["tensors"] == ["pr"]
    (ta,), (tb,) = a.Tensors("pr"), b.Tensors("pr")
    da, db = tensor_util.make_ndarray(ta.tensor_proto), tensor_util.make_ndarray(tb.tensor_proto)
    assert ta.step == 5 and da.shape == (6, min(num_thresholds, 127)) and da.dtype == np.float32
    np.testing.assert_allclose(da, db, rtol=1e-6)
    from tensorboard.plugins.pr_curve import metadata as pr_meta

    content = a.PluginTagToContent("pr_curves")["pr"]
    assert pr_meta.parse_plugin_metadata(content).num_thresholds == min(num_thresholds, 127)


# ----- hparams ------------------------------------------------------------
def test_hparams_match_torch(torch, tmp_path):
    from tensorboard.plugins.hparams import metadata as hp_meta

    hp = {"lr": 0.01, "batch_size": 64, "optimizer": "SGD", "nesterov": True, "skip": None}
    metrics = {"hparam/accuracy": 0.91, "hparam/loss": 0.3}

    def calls(w, lib):
        w.add_hparams(hp, metrics, hparam_domain_discrete={"optimizer": ["SGD", "Adam"]}, run_name="hp_run")

    ours, theirs = _both(torch, tmp_path, calls)
    assert os.path.isdir(ours / "hp_run")
    a, b = _acc(ours / "hp_run"), _acc(theirs / "hp_run")
    ca, cb = a.PluginTagToContent(hp_meta.PLUGIN_NAME), b.PluginTagToContent(hp_meta.PLUGIN_NAME)
    assert set(ca) == set(cb) == {hp_meta.EXPERIMENT_TAG, hp_meta.SESSION_START_INFO_TAG, hp_meta.SESSION_END_INFO_TAG}
    exp = hp_meta.parse_experiment_plugin_data(ca[hp_meta.EXPERIMENT_TAG])
    assert exp == hp_meta.parse_experiment_plugin_data(cb[hp_meta.EXPERIMENT_TAG])
    assert [h.name for h in exp.hparam_infos] == ["lr", "batch_size", "optimizer", "nesterov"]
    assert [m.name.tag for m in exp.metric_infos] == list(metrics)
    ssi = hp_meta.parse_session_start_info_plugin_data(ca[hp_meta.SESSION_START_INFO_TAG])
    assert ssi == hp_meta.parse_session_start_info_plugin_data(cb[hp_meta.SESSION_START_INFO_TAG])
    assert ssi.hparams["optimizer"].string_value == "SGD" and ssi.hparams["lr"].number_value == 0.01
    sei = hp_meta.parse_session_end_info_plugin_data(ca[hp_meta.SESSION_END_INFO_TAG])
    assert sei == hp_meta.parse_session_end_info_plugin_data(cb[hp_meta.SESSION_END_INFO_TAG])
    for tag, v in metrics.items():
        assert [e.value for e in a.Scalars(tag)] == [e.value for e in b.Scalars(tag)] == [np.float32(v)]


def test_hparams_errors_and_default_run_name(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(TypeError):
            w.add_hparams([("lr", 1)], {})
        with pytest.raises(TypeError):
            w.add_hparams({"lr": 0.1}, {}, hparam_domain_discrete={"lr": [1, 2]})
        with pytest.raises(ValueError):
            w.add_hparams({"lr": [0.1]}, {})
        w.add_hparams({"lr": torchlet.tensor([0.5])}, {"m": 1.0})
    runs = [d for d in os.listdir(tmp_path) if os.path.isdir(tmp_path / d)]
    assert len(runs) == 1 and float(runs[0]) > 0  # time.time() as run name, as PyTorch


# ----- graph --------------------------------------------------------------
class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 2 * 2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))

    def forward(self, x):
        x = self.pool(nn.functional.relu(self.conv1(x)))
        x = self.pool(x)
        return self.head(x) * 2


def test_graph_nodes_and_data_flow(tmp_path):
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    model = _Net()
    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(model, torchlet.randn(2, 1, 8, 8))
    assert model.training  # restored after the eval-mode trace
    a = _acc(tmp_path)
    assert a.Tags()["graph"] and a.Tags()["run_metadata"] == ["step1"]
    g = GraphDef.FromString(a.Graph().SerializeToString())
    nodes = {n.name: n for n in g.node}
    for n in g.node:
        for i in n.input:
            assert i in nodes, (n.name, i)
    shape = lambda n: [d.size for d in nodes[n].attr["_output_shapes"].list.shape[0].dim]
    conv, pool, pool2 = "_Net/Conv2d[conv1]", "_Net/MaxPool2d[pool]", "_Net/MaxPool2d[pool]_1"
    lin0, lin1 = "_Net/Sequential[head]/Linear[1]", "_Net/Sequential[head]/Linear[4]"
    for name in (
        conv,
        pool,
        pool2,
        "_Net/Sequential[head]/Flatten[0]",
        lin0,
        "_Net/Sequential[head]/ReLU[2]",
        "_Net/Sequential[head]/Dropout[3]",
        lin1,
    ):
        assert name in nodes, sorted(nodes)
    assert nodes[conv].op == "Conv2d" and list(nodes[conv].input) == ["input/input.1"]
    assert shape(conv) == [2, 4, 8, 8] and shape(pool) == [2, 4, 4, 4] and shape(pool2) == [2, 4, 2, 2]
    relu = [n for n in nodes if n.startswith("_Net/relu")]
    assert len(relu) == 1 and list(nodes[relu[0]].input) == [conv]
    assert list(nodes[pool].input) == relu and list(nodes[pool2].input) == [pool]
    assert list(nodes[lin0].input) == ["_Net/Sequential[head]/Flatten[0]"]
    assert list(nodes[lin1].input) == ["_Net/Sequential[head]/Dropout[3]"]
    assert shape(lin1) == [2, 3]
    assert b"in_features=16, out_features=8" in nodes[lin0].attr["attr"].s
    (out,) = [n for n in nodes if n.startswith("output/")]
    (mul,) = nodes[out].input
    assert nodes[mul].op == "Mul" and list(nodes[mul].input) == [lin1]


def test_graph_of_sequential_like_seed_45(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 8, 5, padding=2), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    with torchlet.no_grad():  # also works when the caller is in no_grad mode
        with SummaryWriter(str(tmp_path)) as w:
            w.add_graph(model, torchlet.ones(1, 3, 8, 8))
    g = _acc(tmp_path).Graph()
    names = [n.name for n in g.node]
    assert names == [
        "input/input.1",
        "Sequential/Conv2d[0]",
        "Sequential/MaxPool2d[1]",
        "Sequential/Flatten[2]",
        "Sequential/Linear[3]",
        "output/output.1",
    ]
    for prev, n in zip(g.node, g.node[1:]):
        assert list(n.input) == [prev.name]


# ----- embeddings ---------------------------------------------------------
def test_embedding_files_match_torch(torch, tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    rng = np.random.default_rng(3)
    mat = rng.standard_normal((10, 5)).astype(np.float32)
    imgs = rng.random((10, 1, 4, 4), dtype=np.float32)
    labels = [int(v) for v in rng.integers(0, 10, 10)]

    def calls(w, lib):
        w.add_embedding(lib.tensor(mat), metadata=labels, label_img=lib.tensor(imgs), global_step=3, tag="FC1/features")
        w.add_embedding(
            lib.tensor(mat[:4]), metadata=[["a", 1], ["b", 2], ["c", 3], ["d", 4]], metadata_header=["name", "id"]
        )

    ours, theirs = _both(torch, tmp_path, calls)
    for sub in ("00003/FC1%2ffeatures", "00000/default"):
        files = sorted(os.listdir(ours / sub))
        assert files == sorted(os.listdir(theirs / sub))
        for f in files:
            if f.endswith(".png"):
                np.testing.assert_array_equal(
                    _png((ours / sub / f).read_bytes()), _png((theirs / sub / f).read_bytes())
                )
            else:
                assert (ours / sub / f).read_text() == (theirs / sub / f).read_text(), f
    assert sorted(os.listdir(ours / "00003/FC1%2ffeatures")) == ["metadata.tsv", "sprite.png", "tensors.tsv"]
    rows = [line.split("\t") for line in (ours / "00003/FC1%2ffeatures/tensors.tsv").read_text().splitlines()]
    np.testing.assert_array_equal(np.array(rows, dtype=np.float32), mat)
    cfg = text_format.Parse((ours / "projector_config.pbtxt").read_text(), ProjectorConfig())
    assert cfg == text_format.Parse((theirs / "projector_config.pbtxt").read_text(), ProjectorConfig())
    assert [e.tensor_name for e in cfg.embeddings] == ["FC1/features:00003", "default:00000"]
    assert list(cfg.embeddings[0].sprite.single_image_dim) == [4, 4]
    assert _png((ours / "00003/FC1%2ffeatures/sprite.png").read_bytes()).shape == (16, 16, 3)


def test_embedding_errors(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(AssertionError):
            w.add_embedding(torchlet.randn(3, 2), metadata=[1, 2])
        with pytest.raises(AssertionError):
            w.add_embedding(torchlet.randn(3, 2, 2), global_step=1)


# ----- writer lifetime ----------------------------------------------------
def test_default_logdir_comment_and_context(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as w:
        d = w.get_logdir()
        w.add_scalar("x", 1.0, 0)
    assert re.fullmatch(r"runs/[A-Z][a-z]{2}\d\d_\d\d-\d\d-\d\d_" + re.escape(socket.gethostname()) + "_lr0.1", d)
    assert [e.value for e in _acc(tmp_path / d).Scalars("x")] == [1.0]
    assert w.file_writer is None
    w.close()  # closing twice is fine


def test_flush_close_reopen_suffix_and_purge_step(tmp_path):
    w = SummaryWriter(str(tmp_path / "a"), filename_suffix=".v2", flush_secs=1000)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    (f,) = os.listdir(tmp_path / "a")
    assert f.startswith("events.out.tfevents") and f.endswith(".v2")
    assert [e.value for e in _acc(tmp_path / "a").Scalars("x")] == [1.0]
    w.close()
    w.add_scalar("x", 2.0, 1)  # after close a new event file is opened, as in PyTorch
    w.close()
    assert len(os.listdir(tmp_path / "a")) == 2
    with SummaryWriter(str(tmp_path / "b"), purge_step=5) as w:
        w.add_scalar("y", 1.0, 5)
    ev = _events(tmp_path / "b")
    assert ev[0].file_version == "brain.Event:2"
    assert any(e.HasField("session_log") and e.session_log.status == e.session_log.START and e.step == 5 for e in ev)


def test_import_error_without_tensorboard(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("torchlet.utils.tensorboard")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r"pip install torchlet\[tensorboard\]"):
        import torchlet.utils.tensorboard  # noqa: F401


def test_graph_long_functional_chain(tmp_path):
    class Chain(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            x = self.fc(x)
            for _ in range(3000):  # deeper than Python's recursion limit
                x = x + 1
            return x

    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(Chain(), torchlet.randn(1, 3))
    nodes = {n.name: n for n in _acc(tmp_path).Graph().node}
    assert len(nodes) == 3000 + 3
    assert list(nodes["Chain/add"].input) == ["Chain/Linear[fc]"]
    assert list(nodes["Chain/add_2999"].input) == ["Chain/add_2998"]
    assert list(nodes["output/output.1"].input) == ["Chain/add_2999"]
