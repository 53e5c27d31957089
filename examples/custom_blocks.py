"""Custom blocks and parameter management: a Sequential by hand, a fixed hidden layer,
nested blocks, a layer with its own Parameters, tied weights, init and state_dict."""

import torchlet as torch
from torchlet import nn
from torchlet.nn import functional as F


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self._modules[str(idx)] = module

    def forward(self, X):
        for block in self._modules.values():
            X = block(X)
        return X


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20), requires_grad=False)
        self.linear = nn.Linear(20, 20)

    def forward(self, X):
        X = F.relu(torch.mm(self.linear(X), self.rand_weight) + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return F.relu(torch.matmul(X, self.weight.data) + self.bias.data)


torch.manual_seed(0)
X = torch.rand(2, 20)
net = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
print(net(X).shape, FixedHiddenMLP()(X))
shared = nn.Linear(8, 8)
tied = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
tied(torch.rand(2, 4)).sum().backward()
print("tied:", tied[2].weight is tied[4].weight, len(list(tied.parameters())))
tied.apply(lambda m: nn.init.xavier_uniform_(m.weight) if type(m) is nn.Linear else None)
print([(name, tuple(p.shape)) for name, p in tied.named_parameters()])
print(MyLinear(5, 3)(torch.rand(2, 5)).shape, list(tied.state_dict())[:2])
