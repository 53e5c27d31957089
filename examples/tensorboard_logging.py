"""TensorBoard logging: scalars, histograms, an image grid and the model graph
(view with `tensorboard --logdir runs`)."""

import sys
import tempfile

import torchlet as torch
from torchlet import nn
from torchlet.utils.tensorboard import SummaryWriter
from torchlet.vision.utils import make_grid

torch.manual_seed(0)
logdir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="runs-")
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
X, y = torch.rand(128, 1, 8, 8), torch.randint(0, 10, (128,))
opt, loss_fn = torch.optim.SGD(net.parameters(), lr=0.5), nn.CrossEntropyLoss()
with SummaryWriter(logdir) as writer:
    writer.add_graph(net, X[:1])
    writer.add_image("inputs", make_grid(X[:16], nrow=4))
    for step in range(20):
        loss = loss_fn(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        writer.add_scalar("loss", loss.item(), step)
    for name, p in net.named_parameters():
        writer.add_histogram(name, p, step)
print("wrote", logdir)
