"""Keypoint R-CNN (keypointrcnn_resnet50_fpn) vs torchvision on the same state_dict, targets and
seed: the training loss dict (with loss_keypoint) and parameter gradients, as the Faster/Mask R-CNN
training tests do; eval-mode detections with keypoints and their scores; the keypoint helpers."""

import copy

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision.models import detection as D

TD = require("torchvision.models.detection")
TR = require("torchvision.models.detection.roi_heads")

SMALL = dict(
    min_size=64,
    max_size=96,
    num_keypoints=5,
    weights_backbone=None,
    rpn_pre_nms_top_n_train=200,
    rpn_post_nms_top_n_train=60,
    rpn_pre_nms_top_n_test=100,
    rpn_post_nms_top_n_test=30,
    rpn_batch_size_per_image=64,
    box_batch_size_per_image=32,
    box_score_thresh=0.0,
    box_detections_per_img=6,
)
GRAD_PARAMS = [
    "roi_heads.keypoint_predictor.kps_score_lowres.weight",
    "roi_heads.keypoint_head.0.weight",
    "roi_heads.keypoint_head.14.weight",
    "roi_heads.box_predictor.cls_score.weight",
    "rpn.head.cls_logits.weight",
    "backbone.fpn.layer_blocks.0.0.weight",
    "backbone.body.layer4.0.conv1.weight",
]


def _data():
    rng = np.random.default_rng(0)
    images = [rng.random((3, 70, 90)), rng.random((3, 64, 64))]
    boxes = [np.array([[5.0, 8, 40, 50], [30, 20, 85, 60]]), np.array([[10.0, 10, 50, 40]])]
    targets = []
    for b in boxes:
        kp = np.zeros((len(b), 5, 3), np.float32)
        for j, (x1, y1, x2, y2) in enumerate(b):
            kp[j, :, 0] = rng.uniform(x1, x2, 5)
            kp[j, :, 1] = rng.uniform(y1, y2, 5)
            kp[j, :, 2] = rng.integers(0, 3, 5)  # 0: not visible
        kp[0, 0, :2] = b[0, 2:]  # on the box's right/bottom edge
        targets.append({"boxes": b, "labels": np.ones(len(b), np.int64), "keypoints": kp})
    return images, targets


def _as(lib, images, targets):
    return [lib.from_numpy(i.copy()) for i in images], [
        {k: lib.from_numpy(v.copy()) for k, v in t.items()} for t in targets
    ]


_BUILT = {}


def _pair(torch):
    if not _BUILT:
        torch.manual_seed(0)
        theirs = TD.keypointrcnn_resnet50_fpn(**SMALL).double()
        ours = D.keypointrcnn_resnet50_fpn(**SMALL)
        ours.load_state_dict(
            {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}, strict=True
        )
        _BUILT["pair"] = (theirs, ours.double())
    theirs, ours = _BUILT["pair"]
    return copy.deepcopy(theirs), copy.deepcopy(ours)


def test_keypoint_rcnn_training_losses_and_gradients(torch):
    theirs, ours = _pair(torch)
    theirs.train(), ours.train()
    images, targets = _data()
    torch.manual_seed(5)
    expected = theirs(*_as(torch, images, targets))
    torchlet.manual_seed(5)
    got = ours(*_as(torchlet, images, targets))
    assert list(expected) == [
        "loss_classifier",
        "loss_box_reg",
        "loss_keypoint",
        "loss_objectness",
        "loss_rpn_box_reg",
    ]
    assert list(got) == list(expected)
    for k, e in expected.items():
        assert str(got[k].dtype)[9:] == str(e.dtype)[6:], k
        rtol = 1e-11 if e.dtype.itemsize == 8 else 3e-7
        np.testing.assert_allclose(got[k].item(), e.item(), rtol=rtol, err_msg=k)
    assert expected["loss_keypoint"].item() > 0
    sum(expected.values()).backward()
    sum(got.values()).backward()
    theirs_p, ours_p = dict(theirs.named_parameters()), dict(ours.named_parameters())
    for k in GRAD_PARAMS:
        e = theirs_p[k].grad.numpy()
        assert np.abs(e).max() > 0, k
        np.testing.assert_allclose(ours_p[k].grad.numpy(), e, rtol=1e-7, atol=1e-9 * np.abs(e).max(), err_msg=k)


def test_keypoint_rcnn_detections(torch):
    theirs, ours = _pair(torch)
    theirs.eval(), ours.eval()
    images, _ = _data()
    with torch.no_grad():
        expected = theirs([torch.from_numpy(i.copy()) for i in images])
    with torchlet.no_grad():
        got = ours([torchlet.from_numpy(i.copy()) for i in images])
    for g, e in zip(got, expected):
        assert sorted(g) == sorted(e)
        assert len(e["boxes"]) > 0
        for k in e:
            assert str(g[k].dtype)[9:] == str(e[k].dtype)[6:], k
            np.testing.assert_allclose(g[k].numpy(), e[k].numpy(), rtol=1e-6, atol=1e-6, err_msg=k)


def test_keypoint_helpers(torch):
    rng = np.random.default_rng(2)
    rois = np.array([[2.0, 3, 20, 30], [0, 0, 7.5, 4], [5, 5, 5.5, 6]])
    kp = np.stack([rng.uniform(-2, 32, (3, 4)), rng.uniform(-2, 32, (3, 4)), rng.integers(0, 2, (3, 4))], -1)
    kp[0, 1, :2] = rois[0, 2:]
    for t_out, o_out in zip(
        TR.keypoints_to_heatmap(torch.from_numpy(kp), torch.from_numpy(rois), 56),
        D.roi_heads.keypoints_to_heatmap(torchlet.from_numpy(kp), torchlet.from_numpy(rois), 56),
    ):
        assert o_out.tolist() == t_out.tolist()
    maps = rng.standard_normal((3, 4, 8, 8))
    e = TR.heatmaps_to_keypoints(torch.from_numpy(maps), torch.from_numpy(rois))
    g = D.roi_heads.heatmaps_to_keypoints(torchlet.from_numpy(maps), torchlet.from_numpy(rois))
    for gi, ei in zip(g, e):
        np.testing.assert_allclose(gi.numpy(), ei.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError) as info:
        D.roi_heads.keypointrcnn_loss(torchlet.zeros(1, 2, 4, 5), [], [], [])
    with pytest.raises(ValueError) as theirs:
        TR.keypointrcnn_loss(torch.zeros(1, 2, 4, 5), [], [], [])
    assert str(info.value) == str(theirs.value)


def test_keypoint_rcnn_construction_errors(torch):
    for kwargs in (dict(keypoint_roi_pool=3), dict(num_keypoints=3, keypoint_predictor=torch.nn.Identity())):
        with pytest.raises(Exception) as theirs:
            TD.KeypointRCNN(TD.backbone_utils.resnet_fpn_backbone(backbone_name="resnet18", weights=None), 2, **kwargs)
        kwargs = {k: (torchlet.nn.Identity() if k == "keypoint_predictor" else v) for k, v in kwargs.items()}
        with pytest.raises(type(theirs.value)) as ours:
            D.KeypointRCNN(D.faster_rcnn._resnet50_fpn_backbone(None, False, None, False), 2, **kwargs)
        # (torchvision's TypeError message lacks its f-prefix: it prints "{type(keypoint_roi_pool)}")
        assert str(ours.value).split(" instead of")[0] == str(theirs.value).split(" instead of")[0]
    assert repr(D.keypoint_rcnn.KeypointRCNNPredictor(16, 5)).replace("torchlet", "torch") == repr(
        TD.keypoint_rcnn.KeypointRCNNPredictor(16, 5)
    )
