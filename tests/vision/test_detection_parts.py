"""vision.models.detection parts vs torchvision: AnchorGenerator anchors, RPNHead, box coding,
FastRCNNPredictor / TwoMLPHead / MaskRCNNPredictor / MaskRCNNHeads (keys, printing, outputs)."""

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision.models import detection as D
from torchlet.vision.models.detection import _utils as DU
from torchlet.vision.models.detection import rpn as RPN

TD = require("torchvision.models.detection")
TRPN = require("torchvision.models.detection.rpn")
TDU = require("torchvision.models.detection._utils")


def _t(a):
    return torchlet.from_numpy(np.array(a, copy=True))


def _load(ours, theirs):
    sd = {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]


@pytest.mark.parametrize(
    "sizes,ratios",
    [
        (((32,), (64,), (128,)), ((0.5, 1.0, 2.0),) * 3),
        ((16, 40), (0.7, 1.3)),
        (((128, 256, 512),), ((0.5, 1.0, 2.0),)),
    ],
)
def test_anchor_generator(torch, sizes, ratios):
    from torchvision.models.detection.image_list import ImageList as TImageList

    ours, theirs = RPN.AnchorGenerator(sizes, ratios), TRPN.AnchorGenerator(sizes, ratios)
    assert ours.num_anchors_per_location() == theirs.num_anchors_per_location()
    n_levels = len(theirs.cell_anchors)
    shapes = [(16, 20), (8, 10), (4, 5)][:n_levels]
    feats_o = [torchlet.zeros(2, 3, h, w) for h, w in shapes]
    feats_t = [torch.zeros(2, 3, h, w) for h, w in shapes]
    got = ours(D.image_list.ImageList(torchlet.zeros(2, 3, 64, 80), [(60, 80), (64, 70)]), feats_o)
    expected = theirs(TImageList(torch.zeros(2, 3, 64, 80), [(60, 80), (64, 70)]), feats_t)
    assert len(got) == len(expected) == 2
    for g, e in zip(got, expected):
        assert g.dtype == torchlet.float32
        np.testing.assert_array_equal(g.numpy(), e.numpy())


def test_rpn_head_and_flattening(torch):
    torch.manual_seed(0)
    theirs = TRPN.RPNHead(8, 3, conv_depth=2)
    ours = RPN.RPNHead(8, 3, conv_depth=2)
    _load(ours, theirs)
    assert str(ours) == str(theirs)
    xs = [torch.randn(2, 8, s, s + 1) for s in (6, 3)]
    lo, ro = ours([_t(x.numpy()) for x in xs])
    lt, rt = theirs(xs)
    for a, b in zip(lo + ro, lt + rt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    co, bo = RPN.concat_box_prediction_layers(lo, ro)
    ct, bt = TRPN.concat_box_prediction_layers(lt, rt)
    np.testing.assert_allclose(co.detach().numpy(), ct.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bo.detach().numpy(), bt.detach().numpy(), rtol=1e-5, atol=1e-6)
    old = {k.replace("conv.0.0.", "conv."): v for k, v in ours.state_dict().items() if "conv.1" not in k}
    single = RPN.RPNHead(8, 3)
    single.load_state_dict(old, strict=True)  # a checkpoint from before the head's version 2


def test_box_coder(torch):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (6, 2))
    ref = np.concatenate([xy, xy + rng.uniform(5, 30, (6, 2))], 1).astype(np.float32)
    prop = ref + rng.normal(0, 2, ref.shape).astype(np.float32)
    weights = (10.0, 10.0, 5.0, 5.0)
    ours, theirs = DU.BoxCoder(weights), TDU.BoxCoder(weights)
    enc_o = ours.encode([_t(ref[:4]), _t(ref[4:])], [_t(prop[:4]), _t(prop[4:])])
    enc_t = theirs.encode(
        [torch.from_numpy(ref[:4]), torch.from_numpy(ref[4:])], [torch.from_numpy(prop[:4]), torch.from_numpy(prop[4:])]
    )
    for a, b in zip(enc_o, enc_t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    codes = rng.normal(0, 1, (6, 8)).astype(np.float32)
    codes[0, 2] = 20.0  # clamped before exp
    dec_o = ours.decode(_t(codes), [_t(prop[:4]), _t(prop[4:])])
    dec_t = theirs.decode(torch.from_numpy(codes), [torch.from_numpy(prop[:4]), torch.from_numpy(prop[4:])])
    np.testing.assert_allclose(dec_o.numpy(), dec_t.numpy(), rtol=1e-5, atol=1e-4)


def test_predictors_and_heads(torch):
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
    from torchlet.vision.models.detection import faster_rcnn, mask_rcnn

    torch.manual_seed(0)
    cases = [
        (faster_rcnn.FastRCNNPredictor(32, 5), FastRCNNPredictor(32, 5), (4, 32, 1, 1)),
        (faster_rcnn.TwoMLPHead(3 * 4 * 4, 16), TwoMLPHead(3 * 4 * 4, 16), (4, 3, 4, 4)),
        (mask_rcnn.MaskRCNNPredictor(8, 6, 3), MaskRCNNPredictor(8, 6, 3), (2, 8, 7, 7)),
        (mask_rcnn.MaskRCNNHeads(8, [8, 8], 1), MaskRCNNHeads(8, [8, 8], 1), (2, 8, 7, 7)),
    ]
    for ours, theirs, shape in cases:
        _load(ours, theirs)
        assert str(ours) == str(theirs)
        x = torch.randn(*shape)
        got, expected = ours(_t(x.numpy())), theirs(x)
        got = got if isinstance(got, tuple) else (got,)
        expected = expected if isinstance(expected, tuple) else (expected,)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(AssertionError, match="expecting the last two dimensions to be"):
        faster_rcnn.FastRCNNPredictor(32, 5)(torchlet.zeros(1, 32, 2, 2))
