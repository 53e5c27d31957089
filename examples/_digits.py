"""The built-in Digits images as tensors (shared by the examples)."""

import torchlet as torch
from torchlet.utils.data import DataLoader
from torchlet.vision import transforms
from torchlet.vision.datasets import Digits


def digits_loaders(batch_size=64, size=8):
    """Train and test DataLoaders of Digits, images resized to size x size, in [0, 1]."""
    tf = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])
    train = DataLoader(Digits(train=True, transform=tf), batch_size=batch_size, shuffle=True)
    test = DataLoader(Digits(train=False, transform=tf), batch_size=256)
    return train, test


def accuracy(net, loader):
    net.eval() if hasattr(net, "eval") else None
    correct = total = 0
    with torch.no_grad():
        for X, y in loader:
            correct += (net(X).argmax(1) == y).sum().item()
            total += len(y)
    net.train() if hasattr(net, "train") else None
    return correct / total


def train(net, train_iter, test_iter, loss_fn, optimizer, epochs):
    """The lessons' training loop (train_ch3/train_ch6): one line per epoch."""
    for epoch in range(epochs):
        net.train()
        for X, y in train_iter:
            loss = loss_fn(net(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test acc {accuracy(net, test_iter):.3f}")
    return accuracy(net, test_iter)
