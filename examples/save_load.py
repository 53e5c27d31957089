"""Saving and loading: tensors, state_dicts (readable by PyTorch), whole models, safetensors."""

import os
import tempfile

import torchlet as torch
from torchlet import nn
from torchlet.safetensors import load_file, save_file

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
X = torch.randn(2, 20)
with tempfile.TemporaryDirectory() as d:
    torch.save([torch.arange(4), {"x": torch.zeros(2)}], os.path.join(d, "x-files"))
    print(torch.load(os.path.join(d, "x-files")))
    torch.save(net.state_dict(), os.path.join(d, "mlp.params"))
    clone = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    print(clone.load_state_dict(torch.load(os.path.join(d, "mlp.params"))))
    print("same output:", torch.equal(clone(X), net(X)))
    torch.save(net, os.path.join(d, "whole.pt"))
    whole = torch.load(os.path.join(d, "whole.pt"), weights_only=False)
    save_file(net.state_dict(), os.path.join(d, "mlp.safetensors"))
    print("safetensors:", sorted(load_file(os.path.join(d, "mlp.safetensors"))), torch.equal(whole(X), net(X)))
