"""A multilayer perceptron with weight decay and dropout (train() / eval() switch dropout)."""
import torchlet as torch
from torchlet import nn
from _digits import accuracy, digits_loaders

torch.manual_seed(0)
train_iter, test_iter = digits_loaders()
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
print(net)
loss_fn = nn.CrossEntropyLoss()
trainer = torch.optim.SGD([{"params": [p for n, p in net.named_parameters() if n.endswith("weight")],
                            "weight_decay": 1e-4},
                           {"params": [p for n, p in net.named_parameters() if n.endswith("bias")]}],
                          lr=0.1, momentum=0.9)
for epoch in range(8):
    net.train()
    for X, y in train_iter:
        loss = loss_fn(net(X), y)
        trainer.zero_grad()
        loss.backward()
        trainer.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test acc {accuracy(net, test_iter):.3f}")
assert accuracy(net, test_iter) > 0.9
