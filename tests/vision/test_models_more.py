"""mobilenet_v2, squeezenet1_0/1_1, inception_v3 and the ViT family vs torchvision: state_dict keys and
shapes, printed structure, torchvision state_dicts loading strictly, equal eval outputs."""

import warnings
from unittest import mock

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision import models as M

TM = require("torchvision.models")


def _keys_shapes(sd):
    return [(k, tuple(v.shape)) for k, v in sd.items()]


def _load(ours, theirs):
    sd = {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(sd, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def _randomize_bn(torch, theirs):
    """Non-trivial running statistics, so eval-mode batch norm is really compared."""
    g = torch.Generator().manual_seed(0)
    for m in theirs.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def _compare(torch, ours, theirs, x, train=False):
    ours.train(train)
    theirs.train(train)
    with torch.no_grad():
        expected = theirs(x)
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy()))
    return got, expected


def _close(got, expected):
    expected = expected.numpy()
    scale = max(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=2e-5 * scale)


def _pair(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(M, name)(**kwargs), getattr(TM, name)(weights=None, **kwargs)


@pytest.mark.parametrize(
    "name,size,kwargs",
    [
        ("mobilenet_v2", 64, {}),
        ("mobilenet_v2", 32, {"width_mult": 0.5, "num_classes": 7}),
        ("squeezenet1_0", 64, {}),
        ("squeezenet1_1", 64, {"num_classes": 10}),
        ("inception_v3", 75, {"init_weights": False}),
        ("inception_v3", 76, {"init_weights": False, "aux_logits": False, "transform_input": True}),
    ],
)
def test_model_matches_torchvision(torch, name, size, kwargs):
    ours, theirs = _pair(name, **kwargs)
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    assert str(ours) == str(theirs)
    _randomize_bn(torch, theirs)
    _load(ours, theirs)
    x = torch.rand(2, 3, size, size)
    _close(*_compare(torch, ours, theirs, x))


def test_inception_aux_head_and_train_outputs(torch):
    """The aux head on a 17x17 map (what Mixed_6e gives for 299x299 input), in train and eval mode;
    in train mode the model returns InceptionOutputs(logits, aux_logits)."""
    from torchvision.models import inception as tv_inc
    from torchlet.vision.models import inception as our_inc

    torch.manual_seed(0)
    ours, theirs = our_inc.InceptionAux(768, 7), tv_inc.InceptionAux(768, 7)
    _randomize_bn(torch, theirs)
    _load(ours, theirs)
    x = torch.rand(2, 768, 17, 17)
    for train in (False, True):
        _close(*_compare(torch, ours, theirs, x, train=train))
    model = M.inception_v3(init_weights=False)
    model.train()
    nn = torchlet.nn  # a small aux head, so a 75x75 input reaches it
    model.AuxLogits = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(768, 3))
    out = model(torchlet.rand(2, 3, 75, 75))
    assert type(out).__name__ == "InceptionOutputs" and out._fields == ("logits", "aux_logits")
    assert tuple(out.logits.shape) == (2, 1000) and tuple(out.aux_logits.shape) == (2, 3)


def test_inception_init_statistics_and_warning():
    with pytest.warns(FutureWarning, match="default weight initialization of inception_v3"):
        model = M.inception_v3(aux_logits=False)
    w = model.Conv2d_4a_3x3.conv.weight.detach().numpy()  # truncated normal, std 0.1, |w| <= 2
    assert abs(w.std() / 0.1 - 1) < 0.05 and np.abs(w).max() <= 2


def _small_vit(module, **kw):
    config = dict(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64)
    config.update(kw)
    return module.VisionTransformer(**config)


@pytest.mark.parametrize("kw", [{}, {"representation_size": 16, "num_classes": 5}, {"patch_size": 16}])
def test_vit_small_config_matches_torchvision(torch, kw):
    from torchvision.models import vision_transformer as tv_vit
    from torchlet.vision.models import vision_transformer as our_vit

    ours, theirs = _small_vit(our_vit, **kw), _small_vit(tv_vit, **kw)
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    assert str(ours) == str(theirs)
    with torch.no_grad():  # the head starts at zero; give it values so the output says something
        theirs.heads.head.weight.normal_()
        theirs.heads.head.bias.normal_()
    _load(ours, theirs)
    _close(*_compare(torch, ours, theirs, torch.rand(3, 3, 32, 32)))
    with pytest.raises(AssertionError, match="Wrong image height! Expected 32 but got 16!"):
        ours(torchlet.rand(1, 3, 16, 32))


def test_vit_conv_stem_and_old_mlp_keys(torch):
    from torchvision.models import vision_transformer as tv_vit
    from torchlet.vision.models import vision_transformer as our_vit

    ours = _small_vit(our_vit, conv_stem_configs=[our_vit.ConvStemConfig(16, 3, 2), our_vit.ConvStemConfig(16, 3, 4)])
    theirs = _small_vit(tv_vit, conv_stem_configs=[tv_vit.ConvStemConfig(16, 3, 2), tv_vit.ConvStemConfig(16, 3, 4)])
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    assert str(ours) == str(theirs)
    _randomize_bn(torch, theirs)
    _load(ours, theirs)
    _close(*_compare(torch, ours, theirs, torch.rand(2, 3, 32, 32)))
    # a checkpoint from before MLPBlock's version 2 names its linears linear_1 / linear_2
    block = our_vit.MLPBlock(8, 16, 0.0)
    old = {
        "linear_1.weight": torchlet.ones(16, 8),
        "linear_1.bias": torchlet.zeros(16),
        "linear_2.weight": torchlet.ones(8, 16),
        "linear_2.bias": torchlet.zeros(8),
    }
    block.load_state_dict(old)
    assert float(block[3].weight.sum()) == 128


@pytest.mark.parametrize("name", ["vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"])
def test_vit_builders_pass_torchvision_config(torch, name):
    """The builders build the same configuration as torchvision's (recorded, not built: vit_h_14 has
    632M parameters)."""
    from torchvision.models import vision_transformer as tv_vit
    from torchlet.vision.models import vision_transformer as our_vit

    with (
        mock.patch.object(tv_vit, "VisionTransformer") as tv_cls,
        mock.patch.object(our_vit, "VisionTransformer") as our_cls,
    ):
        getattr(TM, name)(num_classes=10, dropout=0.1)
        getattr(M, name)(num_classes=10, dropout=0.1)
    assert our_cls.call_args == tv_cls.call_args
