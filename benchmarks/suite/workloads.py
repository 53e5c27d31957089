"""The benchmark workloads, each written once against the shared PyTorch API
and built for both libraries (`m` is the `torchlet` or the `torch` module).

Models (same architecture and, by state_dict, the same weights in both):
  softmax   Flatten + Linear(784, 10)                     batch 256, 1x28x28
  mlp       Flatten + Linear(784, 256) + ReLU + Linear    batch 256, 1x28x28
  lenet     the lecture's LeNet: conv5-ReLU-maxpool x2, 3 Linear+ReLU    batch 128, 1x28x28
  lenet5    the classic LeNet: conv5(pad 2)-sigmoid-avgpool x2, 3 Linear+sigmoid  batch 128
  cifar     the lessons' CIFAR-10 Sequential: 3 x (conv5 pad 2 + maxpool), 2 Linear  batch 64, 3x32x32
  resnet18  ResNet-18 (torchvision layout, 10 classes)    batch 64, 3x32x32
Training step = zero_grad, forward, CrossEntropyLoss, backward, SGD step
(lr 0.01, momentum 0.9). `mlp_adam` is the MLP step with Adam.
"""

import sys

import numpy as np

MODELS = {
    # name: (builder, batch, input shape per sample)
    "softmax": ("_softmax", 256, (1, 28, 28)),
    "mlp": ("_mlp", 256, (1, 28, 28)),
    "lenet": ("_lenet", 128, (1, 28, 28)),
    "lenet5": ("_lenet5", 128, (1, 28, 28)),
    "cifar": ("_cifar", 64, (3, 32, 32)),
    "resnet18": ("_resnet18", 64, (3, 32, 32)),
}


def _softmax(m):
    nn = m.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def _mlp(m):
    nn = m.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def _lenet(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def _lenet5(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )


def _cifar(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, 1, 2),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1024, 64),
        nn.Linear(64, 10),
    )


def _resnet18(m):
    """torchvision's / torchlet.vision's resnet18 when both exist, else the
    same layout built here from nn layers (identical parameter names)."""
    try:
        if m.__name__ == "torch":
            import torchlet.vision.models  # noqa: F401  (only use torchvision if torchlet has one too)
            from torchvision.models import resnet18
        else:
            from torchlet.vision.models import resnet18
        return resnet18(num_classes=10)
    except (ImportError, AttributeError):
        return _resnet18_layers(m)


def _resnet18_layers(m):
    nn = m.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            idt = x if self.downsample is None else self.downsample(x)
            return self.relu(out + idt)

    class ResNet18(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths, cin = (64, 128, 256, 512), 64
            for i, w in enumerate(widths):
                stride = 1 if i == 0 else 2
                setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w, 1)))
                cin = w
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(m.flatten(self.avgpool(x), 1))

    return ResNet18()


def build(name, libs, seed=0):
    """{lib name: (model, x, y)} for model `name`: torch's initial weights
    copied into torchlet's model, and the same random batch for each."""
    builder, batch, shape = MODELS[name]
    builder = globals()[builder]
    rng = np.random.default_rng(seed)
    x = rng.random((batch,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, batch)
    out = {}
    ref_state = None
    for lib_name in ("torch", "torchlet"):
        m = libs.get(lib_name)
        if m is None:
            continue
        m.manual_seed(seed)
        model = builder(m)
        if lib_name == "torch":
            ref_state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        elif ref_state is not None:
            model.load_state_dict({k: m.tensor(v) for k, v in ref_state.items()})
        out[lib_name] = (model, m.tensor(x), m.tensor(y))
    return out


def train_step(m, built, optimizer="sgd"):
    """A zero-argument callable doing one full training step."""
    model, x, y = built
    model.train()
    loss_fn = m.nn.CrossEntropyLoss()
    if optimizer == "adam":
        opt = m.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def inference(m, built):
    model, x, _ = built
    model.eval()

    def run():
        with m.no_grad():
            return model(x)

    return run


# ----- FLOP counts (multiply-add = 2 FLOPs) of one training step -----------
def step_flops(name):
    """Matrix-product FLOPs of one training step: forward, the weight
    gradients, and input gradients of every layer but the first (the data
    needs none)."""
    _, batch, _ = MODELS[name]
    if name == "mlp":
        layers = [784 * 256, 256 * 10]
    elif name == "lenet":
        layers = [6 * 24 * 24 * 25, 16 * 8 * 8 * 150, 256 * 120, 120 * 84, 84 * 10]
    elif name == "softmax":
        layers = [784 * 10]
    else:
        return None
    macs = sum(layers)
    return 2 * batch * (3 * macs - layers[0])


# ----- per-op overhead -------------------------------------------------------
OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a.matmul(b),
    "sum": lambda a, b: a.sum(),
    "relu": lambda a, b: a.relu(),
}
OP_SIZES = {"2x2": (2, 2), "256x256": (256, 256)}


def op_call(m, op, shape, backward):
    rng = np.random.default_rng(0)
    a, b = (m.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=backward) for _ in range(2))
    fn = OPS[op]
    if not backward:
        return lambda: fn(a, b)

    def step():
        out = fn(a, b)
        out.sum().backward()
        grads = a.grad, b.grad
        a.grad = b.grad = None
        return out, grads

    return step


# ----- single layers, forward + backward ---------------------------------------
# (name, layer builder, input shape): LeNet c1 = 1->6 5x5 pad 2 on 28x28, c2 = 6->16 5x5 on
# 14x14; ResNet = 64->64 3x3 pad 1 on 8x8 (ResNet-18's layer1 at 32x32 input after the stem);
# cross_entropy takes logits and class targets.
LAYERS = [
    ("Linear 784-256 b256", lambda nn: nn.Linear(784, 256), (256, 784)),
    ("Conv2d LeNet c1 b128", lambda nn: nn.Conv2d(1, 6, 5, padding=2), (128, 1, 28, 28)),
    ("Conv2d LeNet c2 b128", lambda nn: nn.Conv2d(6, 16, 5), (128, 6, 14, 14)),
    ("Conv2d ResNet 64ch b64", lambda nn: nn.Conv2d(64, 64, 3, padding=1, bias=False), (64, 64, 8, 8)),
    ("MaxPool2d 2 6ch b128", lambda nn: nn.MaxPool2d(2, 2), (128, 6, 28, 28)),
    ("BatchNorm2d 64ch b64", lambda nn: nn.BatchNorm2d(64), (64, 64, 8, 8)),
    ("cross_entropy 256x10", None, (256, 10)),
]


def layer_case(m, make, shape):
    """(input requiring grad, forward fn) of one layer workload; the layer gets
    PyTorch's initial weights when PyTorch is loaded, so both compute the same."""
    rng = np.random.default_rng(0)
    x = m.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    if make is None:
        target = m.tensor(rng.integers(0, shape[1], shape[0]))
        return x, lambda: m.nn.functional.cross_entropy(x, target)
    layer = make(m.nn)
    torch = sys.modules.get("torch")
    if torch is not None and m is not torch:
        torch.manual_seed(0)
        ref = make(torch.nn)
        layer.load_state_dict({k: m.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    return x, lambda: layer(x)


def layer_call(m, name, make, shape):
    """One forward + backward of a layer workload."""
    x, fn = layer_case(m, make, shape)

    def step():
        fn().sum().backward()
        x.grad = None

    return step


# ----- random streams (same seed, same numbers as PyTorch) ----------------------
RANDOM = ("randn(1_000_000)", "rand(1_000_000)", "randperm(60_000)", "dropout 256x1024 p=0.5")


def random_call(m, name):
    """One draw of the named sampler from the default generator (seeded once)."""
    m.manual_seed(0)
    if name.startswith("randn"):
        return lambda: m.randn(1_000_000)
    if name.startswith("rand("):
        return lambda: m.rand(1_000_000)
    if name.startswith("randperm"):
        return lambda: m.randperm(60_000)
    x = m.ones(256, 1024)
    return lambda: m.nn.functional.dropout(x, 0.5)


# ----- data loading ----------------------------------------------------------
def dataloader_call(m, n=4096, batch=256):
    """One pass of a DataLoader (shuffle, default collate) over an in-memory
    TensorDataset of n Fashion-MNIST-shaped samples; None if unavailable."""
    import importlib

    try:
        data = importlib.import_module(m.__name__ + ".utils.data")
        TensorDataset, DataLoader = data.TensorDataset, data.DataLoader
    except (ImportError, AttributeError):
        return None
    rng = np.random.default_rng(0)
    ds = TensorDataset(m.tensor(rng.random((n, 1, 28, 28), dtype=np.float32)), m.tensor(rng.integers(0, 10, n)))
    loader = DataLoader(ds, batch_size=batch, shuffle=True)

    def run():
        for _ in loader:
            pass

    return run
