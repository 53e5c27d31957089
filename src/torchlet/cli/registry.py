"""What `torchlet train` can train: models (the vision zoo and the lessons'
models) and datasets (built-in Digits, MNIST, Fashion-MNIST, CIFAR-10/100,
an ImageFolder directory), with the preprocessing each pair needs."""

import os

__all__ = ["MODELS", "DATASETS", "UsageError", "build_model", "dataset_spec", "preprocess", "load_split"]


class UsageError(Exception):
    """Bad input from the command line: printed as one line, exit status 2."""


# name: (input channels, input size, what it is)
MODELS = {
    "lenet": (1, 28, "LeNet of the lecture: conv 5x5, ReLU, max-pool (28x28 grayscale)"),
    "lenet-classic": (1, 28, "LeNet-5 as in D2L: padding 2, sigmoid, average pooling"),
    "softmax": (1, 28, "softmax regression: Flatten + Linear"),
    "mlp": (1, 28, "multilayer perceptron: Flatten, Linear 256, ReLU, Linear"),
    "cifar10-cnn": (3, 32, "the lessons' CIFAR-10 Sequential: 3 conv 5x5 + max-pool, 2 Linear"),
    "nin": (1, 96, "Network in Network (D2L), 96x96 input"),
    "alexnet": (3, 64, "AlexNet (torchvision layout), 64x64 input"),
    "vgg11": (3, 32, "VGG-11 (torchvision layout)"),
    "vgg13": (3, 32, "VGG-13"),
    "vgg16": (3, 32, "VGG-16"),
    "vgg19": (3, 32, "VGG-19"),
    "vgg11_bn": (3, 32, "VGG-11 with batch norm"),
    "vgg16_bn": (3, 32, "VGG-16 with batch norm"),
    "googlenet": (3, 64, "GoogLeNet without auxiliary classifiers, 64x64 input"),
    "resnet18": (3, 32, "ResNet-18 (torchvision layout)"),
    "resnet34": (3, 32, "ResNet-34"),
    "resnet50": (3, 32, "ResNet-50"),
    "resnet101": (3, 32, "ResNet-101"),
    "densenet121": (3, 32, "DenseNet-121"),
}

# name: (class name in torchlet.vision.datasets, channels, size, mean, std, what it is)
DATASETS = {
    "digits": (
        "Digits",
        1,
        8,
        (0.3070,),
        (0.3757,),
        "built in: UCI handwritten digits, 1,797 8x8 images, 10 classes (no download)",
    ),
    "mnist": ("MNIST", 1, 28, (0.1307,), (0.3081,), "MNIST handwritten digits, 28x28, 10 classes"),
    "fashion-mnist": ("FashionMNIST", 1, 28, (0.2860,), (0.3530,), "Fashion-MNIST clothing images, 28x28, 10 classes"),
    "cifar10": (
        "CIFAR10",
        3,
        32,
        (0.4914, 0.4822, 0.4465),
        (0.2470, 0.2435, 0.2616),
        "CIFAR-10 colour images, 32x32, 10 classes",
    ),
    "cifar100": (
        "CIFAR100",
        3,
        32,
        (0.5071, 0.4865, 0.4409),
        (0.2673, 0.2564, 0.2762),
        "CIFAR-100 colour images, 32x32, 100 classes",
    ),
}
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _lessons_model(name, num_classes, channels, size):
    from .. import nn

    if name == "softmax":
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, num_classes))
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(channels * size * size, 256), nn.ReLU(), nn.Linear(256, num_classes)
        )
    return None


def build_model(name, num_classes):
    """A fresh model `name` with `num_classes` outputs."""
    if name not in MODELS:
        raise UsageError(f"unknown model {name!r} (see `torchlet models`)")
    channels, size, _ = MODELS[name]
    model = _lessons_model(name, num_classes, channels, size)
    if model is not None:
        return model
    from ..vision import models

    if name == "lenet":
        return models.LeNet(num_classes=num_classes, variant="relu")
    if name == "lenet-classic":
        return models.LeNet(num_classes=num_classes, variant="classic")
    if name == "nin":
        return models.NiN(num_classes=num_classes)
    if name == "cifar10-cnn":
        return models.cifar10_sequential(num_classes=num_classes)
    if name == "googlenet":
        return models.googlenet(num_classes=num_classes, aux_logits=False, init_weights=True)
    return getattr(models, name)(num_classes=num_classes)


def dataset_spec(name):
    """(kind, channels, size, mean, std) of a dataset name or an ImageFolder path."""
    if name in DATASETS:
        cls, channels, size, mean, std, _ = DATASETS[name]
        return cls, channels, size, mean, std
    if os.path.isdir(name):
        return "ImageFolder", 3, None, IMAGENET_MEAN, IMAGENET_STD
    raise UsageError(f"unknown dataset {name!r}: use one of {', '.join(DATASETS)} or an ImageFolder directory")


def model_spec(name):
    """(channels, size, description) of a model name; UsageError for unknown names."""
    if name not in MODELS:
        raise UsageError(f"unknown model {name!r}: use one of {', '.join(MODELS)} (see `torchlet models`)")
    return MODELS[name]


def preprocess(model_name, dataset_name):
    """The preprocessing a checkpoint keeps: channels, size, mean, std (as plain lists)."""
    kind, d_channels, d_size, mean, std = dataset_spec(dataset_name)
    m_channels, m_size, _ = model_spec(model_name)
    if m_channels != d_channels:  # grayscale <-> colour: statistics of the mean channel / repeated
        if m_channels == 1:
            mean, std = (sum(mean) / len(mean),), (sum(std) / len(std),)
        else:
            mean, std = tuple(mean) * 3, tuple(std) * 3
    return {"channels": m_channels, "size": m_size, "mean": list(mean), "std": list(std)}


def transform_for(pre):
    """torchlet.vision transform of a checkpoint's preprocessing spec, for PIL images."""
    from ..vision import transforms as T

    steps = [T.Grayscale(num_output_channels=1)] if pre["channels"] == 1 else [T.Lambda(_to_rgb)]
    steps += [T.Resize((pre["size"], pre["size"])), T.ToTensor(), T.Normalize(pre["mean"], pre["std"])]
    return T.Compose(steps)


def _to_rgb(img):
    return img.convert("RGB")


def load_split(dataset_name, root, train, download, transform):
    """The train or test split of a dataset; one-line UsageError when it is missing."""
    kind = dataset_spec(dataset_name)[0]
    from ..vision import datasets

    if kind == "ImageFolder":
        sub = [d for d in (("train",) if train else ("test", "val")) if os.path.isdir(os.path.join(dataset_name, d))]
        if not train and not sub:
            return None  # one folder only: the trainer tests on its validation split
        path = os.path.join(dataset_name, sub[0]) if sub else dataset_name
        try:
            return datasets.ImageFolder(path, transform=transform)
        except (FileNotFoundError, RuntimeError) as e:
            raise UsageError(f"cannot read ImageFolder {path}: {e}") from None
    cls = getattr(datasets, kind)
    if kind == "Digits":
        return cls(root=root, train=train, transform=transform)
    try:
        return cls(root=root, train=train, download=download, transform=transform)
    except RuntimeError as e:
        if download:
            raise UsageError(f"cannot download {dataset_name}: {e}") from None
        raise UsageError(
            f"dataset {dataset_name} not found under {os.path.abspath(root)} "
            f"(add --download to fetch it, or point --data-root at it)"
        ) from None
