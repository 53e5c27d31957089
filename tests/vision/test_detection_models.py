"""Faster R-CNN / Mask R-CNN (ResNet-50-FPN) inference vs torchvision on the same weights: state_dict
keys, printing, and the detections (boxes, labels, scores, pasted masks) for small images."""

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision.models import detection as D

TD = require("torchvision.models.detection")

SMALL = dict(
    min_size=64,
    max_size=96,
    num_classes=3,
    weights_backbone=None,
    rpn_pre_nms_top_n_test=300,
    rpn_post_nms_top_n_test=100,
    box_detections_per_img=12,
)


def _load(ours, theirs):
    sd = {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)


def _randomize(torch, theirs):
    """Trained-looking statistics and heads, so detections are not decided by float noise."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
        for p in theirs.rpn.head.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 2e-3)
        head = theirs.roi_heads.box_predictor
        head.cls_score.weight.copy_(torch.randn(head.cls_score.weight.shape, generator=g) * 1e-4)
        head.cls_score.bias.copy_(torch.tensor([-1.0, 0.5, 1.0]))
        head.bbox_pred.weight.copy_(torch.randn(head.bbox_pred.weight.shape, generator=g) * 1e-4)


@pytest.mark.parametrize("name", ["fasterrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn"])
def test_detection_inference_matches_torchvision(torch, name):
    torch.manual_seed(0)
    theirs = getattr(TD, name)(**SMALL).double().eval()
    ours = getattr(D, name)(**SMALL)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert str(ours) == str(theirs)
    _randomize(torch, theirs)
    _load(ours, theirs)
    ours.double().eval()
    rng = np.random.default_rng(0)
    images = [rng.random((3, 70, 90)), rng.random((3, 64, 64))]
    with torch.no_grad():
        expected = theirs([torch.from_numpy(i) for i in images])
    with torchlet.no_grad():
        got = ours([torchlet.from_numpy(i.copy()) for i in images])
    assert len(got) == len(expected) == 2
    for g, e in zip(got, expected):
        assert sorted(g) == sorted(e) and len(e["boxes"]) > 0
        assert g["labels"].tolist() == e["labels"].tolist()
        np.testing.assert_allclose(g["scores"].numpy(), e["scores"].numpy(), rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(g["boxes"].numpy(), e["boxes"].numpy(), rtol=1e-7, atol=1e-7)
        if "masks" in e:
            assert tuple(g["masks"].shape) == tuple(e["masks"].shape)
            np.testing.assert_allclose(g["masks"].numpy(), e["masks"].numpy(), rtol=1e-6, atol=1e-7)


def test_predictor_swap_and_training_mode(torch):
    model = D.fasterrcnn_resnet50_fpn(**SMALL)
    in_features = model.roi_heads.box_predictor.cls_score.in_features
    model.roi_heads.box_predictor = D.faster_rcnn.FastRCNNPredictor(in_features, 5)
    assert in_features == 1024
    with pytest.raises(AssertionError) as ours_err:  # training mode needs targets, as in torchvision
        model([torchlet.rand(3, 64, 64)])
    with pytest.raises(AssertionError) as theirs_err:
        TD.fasterrcnn_resnet50_fpn(**SMALL)([torch.rand(3, 64, 64)])
    assert str(ours_err.value) == str(theirs_err.value)
    for build in ("fasterrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn"):  # COCO weights fix num_classes at 91
        with pytest.raises(ValueError) as ours:
            getattr(D, build)(weights="DEFAULT", num_classes=5)
        with pytest.raises(ValueError) as theirs:
            getattr(TD, build)(weights="DEFAULT", num_classes=5)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="num_classes should not be None"):
        D.FasterRCNN(model.backbone)
