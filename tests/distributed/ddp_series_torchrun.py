"""A PyTorch program shaped like pytorch/examples' ddp-tutorial-series
multigpu_torchrun.py, for CPU: torchrun's environment, a process group, a
DistributedSampler, DDP, rank-0 snapshots and resume from them.
(The GPU original moves tensors to LOCAL_RANK and uses nccl; on CPU the
backend is gloo and the device cpu, as in PyTorch's own CPU runs.)

    torchlet run --nproc 2 ddp_series_torchrun.py EPOCHS SAVE_EVERY [--batch_size B]
"""

import os

import torch
import torch.nn.functional as F
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ddp_series_datautils import MyTrainDataset


class Trainer:
    def __init__(self, model, train_data, optimizer, save_every, snapshot_path):
        self.local_rank = int(os.environ["LOCAL_RANK"])
        self.global_rank = int(os.environ["RANK"])
        self.device = torch.device("cpu")
        self.model = model.to(self.device)
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.epochs_run = 0
        self.snapshot_path = snapshot_path
        if os.path.exists(snapshot_path):
            print("Loading snapshot")
            snap = torch.load(snapshot_path)
            self.model.load_state_dict(snap["MODEL_STATE"])
            self.epochs_run = snap["EPOCHS_RUN"]
            print(f"Resuming training from snapshot at Epoch {self.epochs_run}")
        self.model = DDP(self.model)

    def _step(self, source, targets):
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.model(source), targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _epoch(self, epoch):
        batch = len(next(iter(self.train_data))[0])
        print(f"[CPU{self.global_rank}] Epoch {epoch} | Batchsize: {batch} | Steps: {len(self.train_data)}")
        self.train_data.sampler.set_epoch(epoch)
        for source, targets in self.train_data:
            self.last_loss = self._step(source.to(self.device), targets.to(self.device))

    def _save(self, epoch):
        torch.save({"MODEL_STATE": self.model.module.state_dict(), "EPOCHS_RUN": epoch}, self.snapshot_path)
        print(f"Epoch {epoch} | Training snapshot saved at {self.snapshot_path}")

    def train(self, max_epochs):
        for epoch in range(self.epochs_run, max_epochs):
            self._epoch(epoch)
            if self.local_rank == 0 and epoch % self.save_every == 0:
                self._save(epoch)
        w = self.model.module.weight.detach().clone()
        gathered = [torch.zeros_like(w) for _ in range(torch.distributed.get_world_size())]
        torch.distributed.all_gather(gathered, w)
        assert all(torch.equal(g, gathered[0]) for g in gathered), "replicas diverged"
        print(f"rank {self.global_rank} done, replicas equal, loss {self.last_loss:.4f}")


def main(save_every, total_epochs, batch_size, snapshot_path="snapshot.pt"):
    init_process_group(backend="gloo")
    torch.manual_seed(0)
    dataset = MyTrainDataset(256)
    model = torch.nn.Linear(20, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    loader = DataLoader(
        dataset, batch_size=batch_size, pin_memory=True, shuffle=False, sampler=DistributedSampler(dataset)
    )
    Trainer(model, loader, optimizer, save_every, snapshot_path).train(total_epochs)
    destroy_process_group()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="simple distributed training job")
    parser.add_argument("total_epochs", type=int, help="Total epochs to train the model")
    parser.add_argument("save_every", type=int, help="How often to save a snapshot")
    parser.add_argument("--batch_size", default=32, type=int, help="Input batch size on each device")
    args = parser.parse_args()
    main(args.save_every, args.total_epochs, args.batch_size)
