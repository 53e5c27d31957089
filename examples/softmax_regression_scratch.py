"""Softmax regression from scratch: softmax by hand, cross-entropy by indexing, manual SGD."""

import torchlet as torch
from _digits import digits_loaders

torch.manual_seed(0)
train_iter, test_iter = digits_loaders(batch_size=64)
num_inputs, num_outputs, lr = 64, 10, 0.5
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(1, keepdim=True)


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


for epoch in range(10):
    for X, y in train_iter:
        loss = cross_entropy(net(X), y).mean()
        loss.backward()
        with torch.no_grad():
            for p in (W, b):
                p -= lr * p.grad
                p.grad.zero_()
    with torch.no_grad():
        acc = sum((net(X).argmax(1) == y).sum().item() for X, y in test_iter) / 359
    print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test acc {acc:.3f}")
assert acc > 0.8
