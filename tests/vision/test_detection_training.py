"""Faster R-CNN / Mask R-CNN training mode vs torchvision on the same state_dict, targets and seed:
the loss dict (keys, order, dtypes, values), parameter gradients, the errors bad targets raise, and
SGD steps of the TorchVision object-detection finetuning tutorial (predictor heads replaced).

The samplers draw with randperm and the transform with one uniform_ per image; torchlet's RNG
reproduces PyTorch's stream, so the same seed samples the same anchors and proposals."""

import copy

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
    rpn_pre_nms_top_n_train=200,
    rpn_post_nms_top_n_train=60,
    rpn_batch_size_per_image=64,
    box_batch_size_per_image=32,
)
NAMES = ["fasterrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn"]
GRAD_PARAMS = [
    "roi_heads.box_predictor.cls_score.weight",
    "roi_heads.box_predictor.bbox_pred.weight",
    "rpn.head.cls_logits.weight",
    "rpn.head.bbox_pred.bias",
    "backbone.fpn.layer_blocks.0.0.weight",
    "backbone.body.layer4.0.conv1.weight",
    "backbone.body.conv1.weight",
]
MASK_GRAD_PARAMS = ["roi_heads.mask_predictor.mask_fcn_logits.weight", "roi_heads.mask_head.0.0.weight"]


def _data():
    rng = np.random.default_rng(0)
    images = [rng.random((3, 70, 90)), rng.random((3, 64, 64))]
    boxes = [np.array([[5.0, 8, 40, 50], [30, 20, 85, 60]]), np.array([[10.0, 10, 50, 40]])]
    labels = [np.array([1, 2]), np.array([2])]
    masks = []
    for b, im in zip(boxes, images):
        m = np.zeros((len(b),) + im.shape[1:], np.uint8)
        for j, (x1, y1, x2, y2) in enumerate(b.astype(int)):
            m[j, y1:y2, x1 + 2 : x2 - 2] = 1
        masks.append(m)
    return images, [{"boxes": b, "labels": lab, "masks": m} for b, lab, m in zip(boxes, labels, masks)]


def _as(lib, images, targets, with_masks):
    ims = [lib.from_numpy(i.copy()) for i in images]
    tgs = [{k: lib.from_numpy(v.copy()) for k, v in t.items() if k != "masks" or with_masks} for t in targets]
    return ims, tgs


def _copy_weights(ours, theirs):
    ours.load_state_dict(
        {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}, strict=True
    )


_BUILT = {}


def _pair(torch, name):
    """Fresh copies of torchvision's model and ours with its weights (each built once per module:
    building two ResNet-50s is most of a test's time)."""
    if name not in _BUILT:
        torch.manual_seed(0)
        theirs = getattr(TD, name)(**SMALL).double()
        ours = getattr(D, name)(**SMALL)
        _copy_weights(ours, theirs)
        _BUILT[name] = (theirs, ours.double())
    theirs, ours = _BUILT[name]
    return copy.deepcopy(theirs).train(), copy.deepcopy(ours).train()


def _losses(torch, theirs, ours, images, targets, with_masks, seed=5):
    torch.manual_seed(seed)
    expected = theirs(*_as(torch, images, targets, with_masks))
    torchlet.manual_seed(seed)
    got = ours(*_as(torchlet, images, targets, with_masks))
    return expected, got


def _assert_same_losses(expected, got):
    assert list(got) == list(expected)
    for k, e in expected.items():
        g = got[k]
        assert str(g.dtype)[9:] == str(e.dtype)[6:], k
        # float64 losses agree to rounding; loss_objectness is float32 (torchvision's float32 anchor labels)
        # and its float32 mean may differ from PyTorch's summation order by an ulp
        rtol = 1e-11 if e.dtype.itemsize == 8 else 3e-7
        np.testing.assert_allclose(g.item(), e.item(), rtol=rtol, err_msg=k)


@pytest.mark.parametrize("name", NAMES)
def test_training_losses_and_gradients_match_torchvision(torch, name):
    with_masks = name.startswith("mask")
    theirs, ours = _pair(torch, name)
    expected, got = _losses(torch, theirs, ours, *_data(), with_masks)
    keys = (
        ["loss_classifier", "loss_box_reg"]
        + (["loss_mask"] if with_masks else [])
        + ["loss_objectness", "loss_rpn_box_reg"]
    )
    assert list(expected) == keys
    _assert_same_losses(expected, got)
    sum(expected.values()).backward()
    sum(got.values()).backward()
    theirs_p, ours_p = dict(theirs.named_parameters()), dict(ours.named_parameters())
    for k in GRAD_PARAMS + (MASK_GRAD_PARAMS if with_masks else []):
        e = theirs_p[k].grad.numpy()
        assert np.abs(e).max() > 0, k
        np.testing.assert_allclose(ours_p[k].grad.numpy(), e, rtol=1e-7, atol=1e-9 * np.abs(e).max(), err_msg=k)


def test_image_without_boxes_is_a_background_example(torch):
    theirs, ours = _pair(torch, "fasterrcnn_resnet50_fpn")
    images, targets = _data()
    targets[1] = {"boxes": np.zeros((0, 4)), "labels": np.zeros((0,), np.int64)}
    _assert_same_losses(*_losses(torch, theirs, ours, images, targets, False))


def _corrupt(kind, lib, targets):
    t = targets[0]
    if kind == "boxes_1d":
        t["boxes"] = t["boxes"][0]
    elif kind == "boxes_list":
        t["boxes"] = t["boxes"].tolist()
    elif kind == "degenerate":
        t["boxes"] = lib.tensor([[5.0, 8, 40, 50], [30, 20, 30, 60]], dtype=lib.float64)
    elif kind == "labels_int32":
        t["labels"] = t["labels"].to(lib.int32)
    elif kind == "no_labels":
        del t["labels"]
    elif kind == "no_masks":
        del t["masks"]
    return targets


@pytest.mark.parametrize(
    "kind", ["none", "boxes_1d", "boxes_list", "degenerate", "labels_int32", "no_labels", "no_masks"]
)
def test_bad_targets_raise_torchvisions_errors(torch, kind):
    name = "maskrcnn_resnet50_fpn" if kind == "no_masks" else "fasterrcnn_resnet50_fpn"
    theirs, ours = _pair(torch, name)
    images, targets = _data()
    raised = []
    for lib, model in ((torch, theirs), (torchlet, ours)):
        ims, tgs = _as(lib, images, targets, name.startswith("mask"))
        tgs = None if kind == "none" else _corrupt(kind, lib, tgs)
        with pytest.raises(Exception) as info:
            model(ims, tgs)
        raised.append(info.value)
    expected, got = raised
    assert type(got) is type(expected)
    if kind not in ("boxes_1d", "boxes_list"):  # those messages print a torch.Size / class name
        assert str(got).replace("torchlet.", "torch.") == str(expected)
    else:
        assert str(got).split(",")[0] == str(expected).split(",")[0]


def test_matcher_and_sampler_match_torchvision(torch):
    tu = require("torchvision.models.detection._utils")
    rng = np.random.default_rng(3)
    quality = rng.random((4, 300)) * 0.9
    quality[2, 17] = quality[2, 40] = 0.95  # ties: both keep their low-quality match
    for low_quality in (False, True):
        e = tu.Matcher(0.7, 0.3, low_quality)(torch.from_numpy(quality))
        g = D._utils.Matcher(0.7, 0.3, low_quality)(torchlet.from_numpy(quality.copy()))
        assert g.tolist() == e.tolist()
    labels = rng.integers(-1, 3, size=(2, 500))
    torch.manual_seed(11)
    e_pos, e_neg = tu.BalancedPositiveNegativeSampler(64, 0.25)([torch.from_numpy(row) for row in labels])
    torchlet.manual_seed(11)
    g_pos, g_neg = D._utils.BalancedPositiveNegativeSampler(64, 0.25)([torchlet.from_numpy(r.copy()) for r in labels])
    for g, e in zip(g_pos + g_neg, e_pos + e_neg):
        assert g.dtype == torchlet.uint8 and g.tolist() == e.tolist()
    with pytest.raises(ValueError, match="No ground-truth boxes"):
        D._utils.Matcher(0.7, 0.3)(torchlet.zeros((0, 5)))
    with pytest.raises(ValueError, match="No proposal boxes"):
        D._utils.Matcher(0.7, 0.3)(torchlet.zeros((2, 0)))


def _finetune_heads(det, model, num_classes):
    """The tutorial's head swap: a new box predictor and a new mask predictor for num_classes."""
    in_features = model.roi_heads.box_predictor.cls_score.in_features
    model.roi_heads.box_predictor = det.faster_rcnn.FastRCNNPredictor(in_features, num_classes)
    in_features_mask = model.roi_heads.mask_predictor.conv5_mask.in_channels
    model.roi_heads.mask_predictor = det.mask_rcnn.MaskRCNNPredictor(in_features_mask, 256, num_classes)
    return model


def test_finetuning_tutorial_sgd_steps_match_torchvision(torch):
    theirs, ours = _pair(torch, "maskrcnn_resnet50_fpn")
    torch.manual_seed(1)
    theirs = _finetune_heads(TD, theirs, 2).double()
    ours = _finetune_heads(D, ours, 2)
    assert ours.roi_heads.box_predictor.cls_score.out_features == 2
    _copy_weights(ours, theirs)
    ours.double()
    images, targets = _data()
    for t in targets:
        t["labels"] = np.ones_like(t["labels"])
    histories = []
    for lib, model in ((torch, theirs), (torchlet, ours)):
        lib.manual_seed(7)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = lib.optim.SGD(params, lr=0.005, momentum=0.9, weight_decay=0.0005)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
        history = []
        for _ in range(2):
            loss_dict = model(*_as(lib, images, targets, True))
            losses = sum(loss for loss in loss_dict.values())
            optimizer.zero_grad()
            losses.backward()
            optimizer.step()
            scheduler.step()
            history.append(losses.item())
        model.eval()
        with lib.no_grad():
            detections = model(_as(lib, images, targets, True)[0][:1])
        assert sorted(detections[0]) == ["boxes", "labels", "masks", "scores"]
        histories.append((history, model.roi_heads.box_predictor.bbox_pred.bias.detach().numpy()))
    (expected, e_bias), (got, g_bias) = histories
    assert all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-7)
    np.testing.assert_allclose(g_bias, e_bias, rtol=1e-6, atol=1e-12)


def test_conv_on_an_empty_batch_matches_torch(torch):
    """A mask head run on zero detections: Conv2d / ConvTranspose2d on a batch of 0."""
    for make in (lambda nn: nn.Conv2d(4, 5, 3, padding=1), lambda nn: nn.ConvTranspose2d(4, 3, 2, 2)):
        got, expected = [], []
        for lib, out in ((torch, expected), (torchlet, got)):
            lib.manual_seed(0)
            layer = make(lib.nn)
            x = lib.zeros(0, 4, 14, 14, requires_grad=True)
            y = layer(x)
            y.sum().backward()
            out += [tuple(y.shape), tuple(x.grad.shape), layer.weight.grad.abs().sum().item()]
        assert got == expected


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_rounds_to_a_float32_target_like_torch(torch, reduction):
    """The RPN's objectness loss: float64 logits, float32 labels -> PyTorch's float32 loss."""
    rng = np.random.default_rng(2)
    x, t, w = rng.standard_normal(300) * 3, (rng.random(300) > 0.5) * 1.0, rng.random(300)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(x), torch.from_numpy(t).float(), weight=torch.from_numpy(w).float(), reduction=reduction
    )
    got = torchlet.nn.functional.binary_cross_entropy_with_logits(
        torchlet.from_numpy(x.copy()),
        torchlet.from_numpy(t.copy()).float(),
        weight=torchlet.from_numpy(w.copy()).float(),
        reduction=reduction,
    )
    assert str(got.dtype)[9:] == str(expected.dtype)[6:] == "float32"
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=3e-7)
