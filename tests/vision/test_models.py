"""vision.models vs torchvision.models: module structure, state_dict keys and shapes, torchvision
state_dicts loading with strict=True, eval outputs on the same weights, printing, init."""

import warnings

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet import nn
from torchlet.vision import models as M

TM = require("torchvision.models")


def _build_pair(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(M, name)(**kwargs), getattr(TM, name)(weights=None, **kwargs)


def _keys_shapes(sd):
    return [(k, tuple(v.shape)) for k, v in sd.items()]


def _load_from_torch(ours, theirs):
    sd = {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(sd, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def _compare_eval(ours, theirs, torch, size):
    ours.eval()
    theirs.eval()
    x = torch.rand(2, 3, size, size)
    with torch.no_grad():
        expected = theirs(x).numpy()
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy())).numpy()
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * max(scale, 1.0))


# (name, forward input size or None for key/shape/print comparison only)
CASES = [
    ("alexnet", 64),
    ("vgg11", 32),
    ("resnet18", 64),
    ("resnet34", 32),
    ("resnet50", 32),
    ("resnet101", None),
    ("densenet121", 32),
    ("googlenet", 32),
]


@pytest.mark.parametrize("name,size", CASES)
def test_model_matches_torchvision(torch, name, size):
    ours, theirs = _build_pair(name)
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    assert str(ours) == str(theirs)
    _load_from_torch(ours, theirs)
    if size is not None:
        _compare_eval(ours, theirs, torch, size)


@pytest.mark.parametrize("cfg", ["A", "B", "D", "E"])
@pytest.mark.parametrize("bn", [False, True])
def test_vgg_feature_configs(torch, cfg, bn):
    from torchvision.models import vgg as tv_vgg
    from torchlet.vision.models import vgg as our_vgg

    ours, theirs = our_vgg.make_layers(our_vgg.cfgs[cfg], bn), tv_vgg.make_layers(tv_vgg.cfgs[cfg], bn)
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    assert str(ours) == str(theirs)
    for name in ("vgg11", "vgg13", "vgg16", "vgg19"):
        assert callable(getattr(M, name)) and callable(getattr(M, name + "_bn"))


def test_vgg16_lesson_modifications_print_as_torchvision(torch):
    """Seed 48: print, add_module to the classifier, replace classifier[6]."""
    ours, theirs = _build_pair("vgg16")
    ours.classifier.add_module("add_linear", nn.Linear(1000, 10))
    theirs.classifier.add_module("add_linear", torch.nn.Linear(1000, 10))
    assert str(ours) == str(theirs)
    ours.eval()
    with torchlet.no_grad():  # the appended layer makes the output 10 wide
        assert tuple(ours(torchlet.rand(1, 3, 32, 32)).shape) == (1, 10)
    ours.classifier[6] = nn.Linear(4096, 10)
    theirs.classifier[6] = torch.nn.Linear(4096, 10)
    assert str(ours.classifier) == str(theirs.classifier)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert len(ours.features) == len(theirs.features) and str(ours.avgpool) == str(theirs.avgpool)


def test_num_classes_and_options(torch):
    for name in ("alexnet", "resnet18", "densenet121"):
        ours, theirs = _build_pair(name, num_classes=7)
        assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())
    ours, theirs = _build_pair("googlenet", aux_logits=False, num_classes=5, init_weights=True)
    assert _keys_shapes(ours.state_dict()) == _keys_shapes(theirs.state_dict())


def test_googlenet_outputs(torch):
    ours, theirs = _build_pair("googlenet", transform_input=True, init_weights=True)
    _load_from_torch(ours, theirs)
    _compare_eval(ours, theirs, torch, 32)  # eval: a tensor (transform_input included)
    ours.train()
    out = ours(torchlet.rand(2, 3, 32, 32))
    assert type(out).__name__ == "GoogLeNetOutputs" and out._fields == ("logits", "aux_logits2", "aux_logits1")
    assert all(tuple(t.shape) == (2, 1000) for t in out)
    with pytest.warns(FutureWarning):
        M.googlenet()


def test_weights_arguments(torch):
    """pretrained=False warns and builds an untrained model; a wrong weights enum is a TypeError,
    an unknown name a KeyError, as in torchvision."""
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = M.resnet18(pretrained=False)
    assert isinstance(model, M.ResNet)
    for bad, exc in ((M.VGG16_Weights.DEFAULT, TypeError), ("NOPE", KeyError)):
        with pytest.raises(exc) as ours:
            M.resnet18(weights=bad)
        tv_bad = TM.VGG16_Weights.DEFAULT if bad is M.VGG16_Weights.DEFAULT else bad
        with pytest.raises(exc) as theirs:
            TM.resnet18(weights=tv_bad)
        assert str(ours.value) == str(theirs.value)


def test_default_init_statistics(torch):
    torchlet.manual_seed(0)
    r = M.resnet50()
    w = r.layer3[0].conv2.weight.detach().numpy()  # kaiming normal, fan_out, relu
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    assert abs(w.std() / np.sqrt(2.0 / fan_out) - 1) < 0.05
    assert np.all(r.layer1[0].bn1.weight.detach().numpy() == 1)
    g = M.googlenet(init_weights=True)
    w = g.inception4a.branch2[1].conv.weight.detach().numpy()
    assert abs(w.std() / 0.01 - 1) < 0.05 and np.abs(w).max() <= 2
    d = M.densenet121()
    assert np.all(d.classifier.bias.detach().numpy() == 0)
    w = d.features.conv0.weight.detach().numpy()  # kaiming normal, fan_in
    assert abs(w.std() / np.sqrt(2.0 / (3 * 49)) - 1) < 0.05


def test_lesson_lenet_matches_seed_classes(torch):
    """LeNet(variant="relu") is seed 00's LeNet; variant="classic" is seed 64's sigmoid/avg-pool net."""

    class TorchLeNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 6, 5)
            self.conv2 = torch.nn.Conv2d(6, 16, 5)
            self.fc1 = torch.nn.Linear(16 * 4 * 4, 120)
            self.fc2 = torch.nn.Linear(120, 84)
            self.fc3 = torch.nn.Linear(84, 10)

        def forward(self, x):
            F = torch.nn.functional
            x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
            x = x.view(-1, 16 * 4 * 4)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    theirs, ours = TorchLeNet(), M.LeNet()
    assert str(ours).replace("LeNet", "TorchLeNet", 1) == str(theirs)
    _load_from_torch(ours, theirs)
    x = torch.randn(4, 1, 28, 28)
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy())).numpy()
    np.testing.assert_allclose(got, theirs(x).detach().numpy(), rtol=1e-5, atol=1e-6)

    tnn = torch.nn
    seq = tnn.Sequential(
        tnn.Conv2d(1, 6, kernel_size=5, padding=2),
        tnn.Sigmoid(),
        tnn.AvgPool2d(2, stride=2),
        tnn.Conv2d(6, 16, kernel_size=5),
        tnn.Sigmoid(),
        tnn.AvgPool2d(kernel_size=2, stride=2),
        tnn.Flatten(),
        tnn.Linear(16 * 5 * 5, 120),
        tnn.Sigmoid(),
        tnn.Linear(120, 84),
        tnn.Sigmoid(),
        tnn.Linear(84, 10),
    )
    classic = M.LeNet(variant="classic")
    names = ["conv1", "conv2", "fc1", "fc2", "fc3"]
    layers = [seq[0], seq[3], seq[7], seq[9], seq[11]]
    classic.load_state_dict(
        {
            f"{n}.{p}": torchlet.from_numpy(getattr(l, p).detach().numpy().copy())
            for n, l in zip(names, layers)
            for p in ("weight", "bias")
        }
    )
    with torchlet.no_grad():
        got = classic(torchlet.from_numpy(x.numpy().copy())).numpy()
    np.testing.assert_allclose(got, seq(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        M.LeNet(variant="other")


def test_lesson_nin_and_cifar_sequential(torch):
    tnn = torch.nn

    def nin_block(i, o, k, s, p):
        return tnn.Sequential(
            tnn.Conv2d(i, o, k, s, p),
            tnn.ReLU(),
            tnn.Conv2d(o, o, kernel_size=1),
            tnn.ReLU(),
            tnn.Conv2d(o, o, kernel_size=1),
            tnn.ReLU(),
        )

    seed66 = tnn.Sequential(
        nin_block(1, 96, 11, 4, 0),
        tnn.MaxPool2d(3, stride=2),
        nin_block(96, 256, 5, 1, 2),
        tnn.MaxPool2d(3, stride=2),
        nin_block(256, 384, 3, 1, 1),
        tnn.MaxPool2d(3, stride=2),
        tnn.Dropout(0.5),
        nin_block(384, 10, 3, 1, 1),
        tnn.AdaptiveAvgPool2d((1, 1)),
        tnn.Flatten(),
    )
    ours = M.NiN()
    assert str(ours).replace("NiN", "Sequential", 1) == str(seed66)
    _load_from_torch(ours, seed66)
    ours.eval()
    seed66.eval()
    x = torch.rand(1, 1, 96, 96)
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy())).numpy()
    np.testing.assert_allclose(got, seed66(x).detach().numpy(), rtol=1e-4, atol=1e-6)

    seed45 = tnn.Sequential(
        tnn.Conv2d(3, 32, 5, padding=2),
        tnn.MaxPool2d(2),
        tnn.Conv2d(32, 32, 5, padding=2),
        tnn.MaxPool2d(2),
        tnn.Conv2d(32, 64, 5, padding=2),
        tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(1024, 64),
        tnn.Linear(64, 10),
    )
    ours = M.cifar10_sequential()
    assert str(ours) == str(seed45)
    _load_from_torch(ours, seed45)
    x = torch.rand(2, 3, 32, 32)
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy())).numpy()
    np.testing.assert_allclose(got, seed45(x).detach().numpy(), rtol=1e-4, atol=1e-6)
