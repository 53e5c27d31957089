"""Linear regression, concise: TensorDataset + DataLoader, nn.Linear, MSELoss, SGD."""

import torchlet as torch
from torchlet import nn
from torchlet.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
X = torch.normal(0, 1, (1000, 2))
y = (X @ true_w + true_b + torch.normal(0, 0.01, (1000,))).reshape(-1, 1)
loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)

net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
loss_fn, trainer = nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(3):
    for xb, yb in loader:
        loss = loss_fn(net(xb), yb)
        trainer.zero_grad()
        loss.backward()
        trainer.step()
    print(f"epoch {epoch + 1}, loss {loss_fn(net(X), y):f}")
print("w error:", (true_w - net[0].weight.data.reshape(true_w.shape)).tolist())
print("b error:", true_b - net[0].bias.data.item())
