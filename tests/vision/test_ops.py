"""vision.ops vs torchvision.ops: NMS (incl. batched), box formats/areas/IoU, masks_to_boxes,
roi_align / roi_pool values and input gradients, RoIAlign/RoIPool/MultiScaleRoIAlign modules."""

from collections import OrderedDict

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision import ops as O

TO = require("torchvision.ops")


def _t(a):
    return torchlet.from_numpy(np.array(a, copy=True))


def _boxes(rng, n, size=50.0, dtype=np.float32):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


@pytest.mark.parametrize("n,thr", [(0, 0.5), (1, 0.5), (30, 0.3), (200, 0.5), (200, 0.7)])
def test_nms_and_batched_nms(torch, n, thr):
    rng = np.random.default_rng(n)
    b = _boxes(rng, n)
    s = rng.random(n).astype(np.float32)
    if n > 10:
        s[:5] = s[5]  # ties keep their original order (stable sort)
    got = O.nms(_t(b), _t(s), thr)
    expected = TO.nms(torch.from_numpy(b), torch.from_numpy(s), thr)
    assert got.dtype == torchlet.int64 and got.tolist() == expected.tolist()
    idx = rng.integers(0, 3, n)
    got = O.batched_nms(_t(b), _t(s), _t(idx), thr)
    expected = TO.batched_nms(torch.from_numpy(b), torch.from_numpy(s), torch.from_numpy(idx), thr)
    assert got.tolist() == expected.tolist()


def test_batched_nms_many_boxes(torch):
    rng = np.random.default_rng(1)
    b, s, idx = _boxes(rng, 1200, 200.0), rng.random(1200).astype(np.float32), rng.integers(0, 5, 1200)
    got = O.batched_nms(_t(b), _t(s), _t(idx), 0.5)
    expected = TO.batched_nms(torch.from_numpy(b), torch.from_numpy(s), torch.from_numpy(idx), 0.5)
    assert got.tolist() == expected.tolist()


def test_nms_errors(torch):
    for b, s in (((5,), (5,)), ((5, 5), (5,)), ((5, 4), (4,)), ((5, 4), (5, 1))):
        with pytest.raises(RuntimeError) as theirs:
            TO.nms(torch.zeros(b), torch.zeros(s), 0.5)
        with pytest.raises(RuntimeError) as ours:
            O.nms(torchlet.zeros(b), torchlet.zeros(s), 0.5)
        assert str(theirs.value).splitlines()[0].endswith(str(ours.value))  # theirs adds the C++ source line


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_convert_area_iou(torch, fmt):
    rng = np.random.default_rng(0)
    b1, b2 = _boxes(rng, 7), _boxes(rng, 5)
    for a in (b1, b2.astype(np.float64), np.round(b1).astype(np.int64)):
        for out in ("xyxy", "xywh", "cxcywh"):
            got = O.box_convert(_t(a), fmt, out)
            expected = TO.box_convert(torch.from_numpy(a), fmt, out)
            assert str(got.dtype)[9:] == str(expected.dtype)[6:]
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            O.box_area(_t(a), fmt=fmt).numpy(), TO.box_area(torch.from_numpy(a), fmt=fmt).numpy(), rtol=1e-6
        )
    got = O.box_iou(_t(b1), _t(b2), fmt=fmt)
    expected = TO.box_iou(torch.from_numpy(b1), torch.from_numpy(b2), fmt=fmt)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        O.generalized_box_iou(_t(b1), _t(b2)).numpy(),
        TO.generalized_box_iou(torch.from_numpy(b1), torch.from_numpy(b2)).numpy(),
        rtol=1e-5,
    )
    for bad in (
        lambda m: m.box_convert(m_zeros(m), "xyxy", "bad"),
        lambda m: m.box_area(m_zeros(m), fmt="bad"),
        lambda m: m.box_iou(m_zeros(m), m_zeros(m), fmt="bad"),
    ):
        with pytest.raises(ValueError) as ours:
            bad(O)
        with pytest.raises(ValueError) as theirs:
            bad(TO)
        assert str(ours.value) == str(theirs.value)


def m_zeros(m):
    return (torchlet if m is O else __import__("torch")).zeros(2, 4)


def test_masks_to_boxes_and_utilities(torch):
    rng = np.random.default_rng(0)
    masks = rng.random((4, 9, 11)) > 0.9
    masks[1] = False
    masks[2] = False
    masks[2, 3, 4] = True
    got = O.masks_to_boxes(_t(masks))
    expected = TO.masks_to_boxes(torch.from_numpy(masks))
    assert got.dtype == torchlet.float32 and got.tolist() == expected.tolist()
    assert tuple(O.masks_to_boxes(torchlet.zeros(0, 3, 3)).shape) == (0, 4)
    b = _boxes(rng, 6) - 10
    np.testing.assert_array_equal(
        O.clip_boxes_to_image(_t(b), (30, 20)).numpy(), TO.clip_boxes_to_image(torch.from_numpy(b), (30, 20)).numpy()
    )
    assert O.remove_small_boxes(_t(b), 8.0).tolist() == TO.remove_small_boxes(torch.from_numpy(b), 8.0).tolist()


def _rois(rng, k, n_img, size, scale=1.0):
    b = _boxes(rng, k, size / scale)
    b[0] = [-3.0, -2.0, size / scale + 4, 5.0]  # partly outside the image
    b[1] = [3.0, 4.0, 3.5, 4.2]  # smaller than one cell
    ids = rng.integers(0, n_img, (k, 1)).astype(np.float32)
    return np.concatenate([ids, b], 1).astype(np.float32)


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("sampling_ratio,scale,size", [(-1, 1.0, (3, 3)), (2, 0.5, (2, 4)), (0, 0.25, 7)])
def test_roi_align_values_and_gradients(torch, aligned, sampling_ratio, scale, size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 12, 14)).astype(np.float32)
    rois = _rois(rng, 6, 2, 13, scale)
    xo, xt = _t(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    got = O.roi_align(xo, _t(rois), size, scale, sampling_ratio, aligned)
    expected = TO.roi_align(xt, torch.from_numpy(rois), size, scale, sampling_ratio, aligned)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(expected.shape).astype(np.float32)
    got.backward(_t(g))
    expected.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_roi_align_box_list_float64_and_module(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 10, 10))
    boxes = [_boxes(rng, 3, 9, np.float64), _boxes(rng, 2, 9, np.float64)]
    got = O.roi_align(_t(x), [_t(b) for b in boxes], 4, 1.0, 2, True)
    expected = TO.roi_align(torch.from_numpy(x), [torch.from_numpy(b) for b in boxes], 4, 1.0, 2, True)
    assert got.dtype == torchlet.float64
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
    assert repr(O.RoIAlign((3, 3), 0.5, 2, True)) == repr(TO.RoIAlign((3, 3), 0.5, 2, True))
    assert repr(O.RoIPool(7, 0.25)) == repr(TO.RoIPool(7, 0.25))
    with pytest.raises(AssertionError, match=r"Tensor\[K, 5\]"):
        O.roi_align(_t(x), torchlet.zeros(3, 4), 2)


@pytest.mark.parametrize("scale,size", [(1.0, (3, 3)), (0.5, (2, 5)), (0.25, 4)])
def test_roi_pool_values_and_gradients(torch, scale, size):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 12, 14)).astype(np.float32)
    x[0, 0, 2:5, 2:5] = 1.5  # ties: the first maximum gets the gradient
    rois = _rois(rng, 6, 2, 13, scale)
    xo, xt = _t(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    got = O.roi_pool(xo, _t(rois), size, scale)
    expected = TO.roi_pool(xt, torch.from_numpy(rois), size, scale)
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    g = rng.standard_normal(expected.shape).astype(np.float32)
    got.backward(_t(g))
    expected.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    mod_o, mod_t = O.RoIPool(size, scale), TO.RoIPool(size, scale)
    np.testing.assert_array_equal(
        mod_o(_t(x), _t(rois)).numpy(), mod_t(torch.from_numpy(x), torch.from_numpy(rois)).numpy()
    )


def test_multiscale_roi_align(torch):
    rng = np.random.default_rng(2)
    feats = OrderedDict(
        (k, rng.standard_normal((2, 4, s, s)).astype(np.float32))
        for k, s in (("feat1", 32), ("feat2", 16), ("feat3", 8), ("pool", 4))
    )
    boxes = [_boxes(rng, 5, 120.0), _boxes(rng, 3, 120.0)]
    boxes[0][0] = [0, 0, 127, 127]
    shapes = [(128, 128), (120, 100)]
    ours = O.MultiScaleRoIAlign(["feat1", "feat2", "feat3"], 3, 2)
    theirs = TO.MultiScaleRoIAlign(["feat1", "feat2", "feat3"], 3, 2)
    assert repr(ours) == repr(theirs)
    xo = OrderedDict((k, _t(v).requires_grad_()) for k, v in feats.items())
    xt = OrderedDict((k, torch.from_numpy(v).requires_grad_()) for k, v in feats.items())
    got = ours(xo, [_t(b) for b in boxes], shapes)
    expected = theirs(xt, [torch.from_numpy(b) for b in boxes], shapes)
    assert ours.scales == theirs.scales
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    got.sum().backward()
    expected.sum().backward()
    for k in ("feat1", "feat2", "feat3"):
        np.testing.assert_allclose(xo[k].grad.numpy(), xt[k].grad.numpy(), rtol=1e-5, atol=1e-6)
    single_o, single_t = O.MultiScaleRoIAlign(["feat2"], (2, 3), -1), TO.MultiScaleRoIAlign(["feat2"], (2, 3), -1)
    np.testing.assert_allclose(
        single_o(xo, [_t(b) for b in boxes], shapes).detach().numpy(),
        single_t(xt, [torch.from_numpy(b) for b in boxes], shapes).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
