"""Summary protobufs for SummaryWriter, built with the tensorboard package's own
protos: the same tags, plugin metadata and data layouts PyTorch writes
(scalars, histograms with TensorFlow's exponential buckets, PNG images, text,
hparams session start/end, pr_curve 6 x num_thresholds tensors, ...)."""

import io
import numbers

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ._convert import convert_to_HWC, make_np

__all__ = [
    "scalar",
    "histogram",
    "histogram_raw",
    "make_histogram",
    "image",
    "make_image",
    "text",
    "hparams",
    "pr_curve",
    "pr_curve_raw",
    "compute_curve",
    "custom_scalars",
    "audio",
    "video",
    "default_bins",
]


def _default_bins():
    """TensorFlow's histogram buckets: +-1e-12 * 1.1**k up to 1e20, and 0."""
    pos = []
    v = 1e-12
    while v < 1e20:  # the same float recurrence as TensorFlow/PyTorch, so the edges match exactly
        pos.append(v)
        v *= 1.1
    return [-b for b in reversed(pos)] + [0] + pos


default_bins = _default_bins()


def _summary(tag, **value):
    return Summary(value=[Summary.Value(tag=tag, **value)])


def _plugin_metadata(name, content=b""):
    return SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name, content=content))


def _shape(*dims):
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in dims])


# ----- scalars -------------------------------------------------------------
def scalar(name, value, new_style=False, double_precision=False):
    arr = make_np(value).squeeze()
    if arr.ndim != 0:
        raise AssertionError(
            f"Tensor should contain one element (0 dimensions). Was given size: {arr.size} and {arr.ndim} dimensions."
        )
    v = float(arr)
    if not new_style:
        return _summary(name, simple_value=v)
    if double_precision:
        t = TensorProto(double_val=[v], dtype="DT_DOUBLE")
    else:
        t = TensorProto(float_val=[v], dtype="DT_FLOAT")
    return _summary(name, tensor=t, metadata=_plugin_metadata("scalars"))


# ----- histograms ----------------------------------------------------------
def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    hist = HistogramProto(
        min=min, max=max, num=num, sum=sum, sum_squares=sum_squares, bucket_limit=bucket_limits, bucket=bucket_counts
    )
    return _summary(name, histo=hist)


def histogram(name, values, bins, max_bins=None):
    values = make_np(values)
    return _summary(name, histo=make_histogram(values.astype(float), bins, max_bins))


def make_histogram(values, bins, max_bins=None):
    """HistogramProto of `values`: np.histogram counts, trimmed to the occupied range with
    one empty bucket in front (bucket_limit holds right edges), optionally merged down to
    at most `max_bins` buckets."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    n = len(counts)
    if max_bins is not None and n > max_bins:
        step = n // max_bins
        rem = n % step
        if rem:
            counts = np.concatenate([counts, np.zeros(step - rem, counts.dtype)])
        counts = counts.reshape(-1, step).sum(axis=-1)
        limits = np.concatenate([limits[:-1:step], limits[-1:]])
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    start, end = int(nonzero[0]), int(nonzero[-1]) + 1
    counts = np.concatenate([[0], counts[start:end]])
    limits = limits[start : end + 1]
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=values.dot(values),
        bucket_limit=limits.tolist(),
        bucket=counts.tolist(),
    )


# ----- images --------------------------------------------------------------
def _to_uint8(arr):
    """uint8 stays; anything else is taken as [0, 1] and scaled by 255 (clipped, truncated)."""
    scale = 1 if arr.dtype == np.uint8 else 255
    return (arr.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def make_image(hwc, rescale=1):
    """Summary.Image holding `hwc` (uint8 H x W x C) encoded as PNG."""
    from PIL import Image

    height, width, channel = hwc.shape
    img = Image.fromarray(np.ascontiguousarray(hwc))
    if rescale != 1:
        img = img.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return Summary.Image(height=height, width=width, colorspace=channel, encoded_image_string=buf.getvalue())


def image(tag, tensor, rescale=1, dataformats="NCHW"):
    hwc = _to_uint8(convert_to_HWC(make_np(tensor), dataformats))
    return _summary(tag, image=make_image(hwc, rescale=rescale))


def _prepare_video(v):
    """(N, T, C, H, W) -> (T, rows*H, cols*W, C): the batch padded to a power of two, as a grid."""
    b, t, c, h, w = v.shape
    if v.dtype == np.uint8:
        v = np.float32(v) / 255.0
    if b & (b - 1):
        v = np.concatenate([v, np.zeros((2 ** b.bit_length() - b, t, c, h, w), v.dtype)])
    rows = 2 ** ((b.bit_length() - 1) // 2)
    cols = v.shape[0] // rows
    v = v.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    return v.reshape(t, rows * h, cols * w, c)


def video(tag, tensor, fps=4):
    """An animated GIF (PIL) of a (N, T, C, H, W) video batch."""
    from PIL import Image

    frames = _to_uint8(_prepare_video(make_np(tensor)))
    t, h, w, c = frames.shape
    if c == 1:
        frames = np.concatenate([frames] * 3, axis=3)
    imgs = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=int(round(1000 / fps)), loop=0)
    img = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=buf.getvalue())
    return _summary(tag, image=img)


# ----- audio / text --------------------------------------------------------
def audio(tag, tensor, sample_rate=44100):
    import wave

    arr = make_np(tensor).squeeze()
    if abs(arr).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        arr = arr.clip(-1, 1)
    if arr.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    pcm = (arr * np.iinfo(np.int16).max).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    snd = Summary.Audio(
        sample_rate=sample_rate,
        num_channels=1,
        length_frames=pcm.shape[-1],
        encoded_audio_string=buf.getvalue(),
        content_type="audio/wav",
    )
    return _summary(tag, audio=snd)


def text(tag, text_string):
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

    meta = _plugin_metadata("text", TextPluginData(version=0).SerializeToString())
    t = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf_8")], tensor_shape=_shape(1))
    return _summary(tag + "/text_summary", metadata=meta, tensor=t)


# ----- hparams -------------------------------------------------------------
def _hparam_value(k, v):
    """(kind, python value) of one hyperparameter, kind in 'number'/'string'/'bool'.
    As in PyTorch, bools count as numbers (int subclass) and a tensor gives its first element."""
    if isinstance(v, (numbers.Real, np.number)) and not isinstance(v, np.bool_):
        return "number", float(v)
    if isinstance(v, str):
        return "string", v
    if isinstance(v, np.bool_):
        return "bool", bool(v)
    if hasattr(v, "detach") or isinstance(v, np.ndarray):
        return "number", float(make_np(v).reshape(-1)[0])
    raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """(experiment, session_start_info, session_end_info) summaries of the hparams plugin."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2
    from tensorboard.plugins.hparams import metadata as hp_meta
    from tensorboard.plugins.hparams import plugin_data_pb2 as hp_data

    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(
                f"parameter: hparam_domain_discrete[{k}] should be a list of same type as hparam_dict[{k}]."
            )
    kinds = {
        "number": ("number_value", "DATA_TYPE_FLOAT64"),
        "string": ("string_value", "DATA_TYPE_STRING"),
        "bool": ("bool_value", "DATA_TYPE_BOOL"),
    }
    infos = []
    ssi = hp_data.SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        kind, v = _hparam_value(k, v)
        field, dtype = kinds[kind]
        setattr(ssi.hparams[k], field, v)
        domain = None
        if k in domains and not hasattr(hparam_dict[k], "detach"):
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domains[k]])
        infos.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(dtype), domain_discrete=domain))

    def wrap(tag, **content):
        data = hp_data.HParamsPluginData(version=hp_meta.PLUGIN_DATA_VERSION, **content)
        return _summary(tag, metadata=_plugin_metadata(hp_meta.PLUGIN_NAME, data.SerializeToString()))

    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    exp = wrap(hp_meta.EXPERIMENT_TAG, experiment=api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics))
    start = wrap(hp_meta.SESSION_START_INFO_TAG, session_start_info=ssi)
    end = wrap(
        hp_meta.SESSION_END_INFO_TAG,
        session_end_info=hp_data.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS")),
    )
    return exp, start, end


# ----- precision-recall curves ---------------------------------------------
def compute_curve(labels, predictions, num_thresholds=None, weights=None):
    """(6, num_thresholds): TP, FP, TN, FN, precision, recall at thresholds i/(n-1)."""
    eps = 1e-7
    if weights is None:
        weights = 1.0
    n = num_thresholds
    idx = np.floor(np.asarray(predictions) * (n - 1)).astype(np.int32).reshape(-1)
    lab = np.asarray(labels).astype(np.float64).reshape(-1)
    w = np.broadcast_to(np.asarray(weights, dtype=np.float64), np.shape(predictions)).reshape(-1)
    keep = (idx >= 0) & (idx <= n - 1)
    idx, lab, w = idx[keep], lab[keep], w[keep]
    tp_b = np.bincount(idx, weights=lab * w, minlength=n)
    fp_b = np.bincount(idx, weights=(1.0 - lab) * w, minlength=n)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(eps, tp + fp)
    recall = tp / np.maximum(eps, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def _pr_summary(tag, data, num_thresholds):
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

    meta = _plugin_metadata(
        "pr_curves", PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    )
    t = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(), tensor_shape=_shape(*data.shape))
    return _summary(tag, metadata=meta, tensor=t)


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    num_thresholds = min(num_thresholds, 127)  # as PyTorch: more breaks the protobuf
    if weights is not None:
        weights = make_np(weights)
    data = compute_curve(make_np(labels), make_np(predictions), num_thresholds, weights)
    return _pr_summary(tag, data, num_thresholds)


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    num_thresholds = min(num_thresholds, 127)
    data = np.stack([make_np(a) for a in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, data, num_thresholds)


# ----- custom scalars layout -----------------------------------------------
def custom_scalars(layout):
    """layout: {category: {chart title: ['Multiline', [tags]] or ['Margin', [value, lower, upper]]}}."""
    from tensorboard.plugins.custom_scalar import layout_pb2

    categories = []
    for category, charts in layout.items():
        out = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                out.append(layout_pb2.Chart(title=title, margin=layout_pb2.MarginChartContent(series=[series])))
            else:
                out.append(layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=category, chart=out))
    t = TensorProto(
        dtype="DT_STRING",
        tensor_shape=TensorShapeProto(),
        string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
    )
    return _summary("custom_scalars__config__", tensor=t, metadata=_plugin_metadata("custom_scalars"))
