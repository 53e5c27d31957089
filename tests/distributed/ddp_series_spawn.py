"""A PyTorch program shaped like pytorch/examples' ddp-tutorial-series
multigpu.py, for CPU: the parent starts the ranks with mp.spawn and each one
joins the process group itself from MASTER_ADDR/MASTER_PORT with its rank and
the world size (no launcher), trains with DDP on a DistributedSampler and rank
0 writes checkpoint.pt. (The GPU original uses nccl and cuda:rank; on CPU the
backend is gloo and the device cpu, as in PyTorch's own CPU runs.)

    python -m torchlet.compat ddp_series_spawn.py EPOCHS SAVE_EVERY [--batch_size B] [--world_size N]
"""

import os

import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ddp_series_datautils import MyTrainDataset


def ddp_setup(rank, world_size):
    os.environ["MASTER_ADDR"] = "localhost"
    os.environ["MASTER_PORT"] = "12355"
    init_process_group(backend="gloo", rank=rank, world_size=world_size)


class Trainer:
    def __init__(self, model, train_data, optimizer, rank, save_every):
        self.rank = rank
        self.device = torch.device("cpu")
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.model = DDP(model.to(self.device))

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(source), targets)
        loss.backward()
        self.optimizer.step()

    def _run_epoch(self, epoch):
        b_sz = len(next(iter(self.train_data))[0])
        print(f"[CPU{self.rank}] Epoch {epoch} | Batchsize: {b_sz} | Steps: {len(self.train_data)}")
        self.train_data.sampler.set_epoch(epoch)
        for source, targets in self.train_data:
            self._run_batch(source.to(self.device), targets.to(self.device))

    def _save_checkpoint(self, epoch):
        torch.save(self.model.module.state_dict(), "checkpoint.pt")
        print(f"Epoch {epoch} | Training checkpoint saved at checkpoint.pt")

    def train(self, max_epochs):
        for epoch in range(max_epochs):
            self._run_epoch(epoch)
            if self.rank == 0 and epoch % self.save_every == 0:
                self._save_checkpoint(epoch)
        w = self.model.module.weight.detach().clone()
        gathered = [torch.zeros_like(w) for _ in range(torch.distributed.get_world_size())]
        torch.distributed.all_gather(gathered, w)
        assert all(torch.equal(g, gathered[0]) for g in gathered), "replicas diverged"
        print(f"rank {self.rank} of {torch.distributed.get_world_size()} done, replicas equal")


def main(rank, world_size, save_every, total_epochs, batch_size):
    ddp_setup(rank, world_size)
    torch.manual_seed(0)
    dataset = MyTrainDataset(256)
    model = torch.nn.Linear(20, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    loader = DataLoader(
        dataset, batch_size=batch_size, pin_memory=True, shuffle=False, sampler=DistributedSampler(dataset)
    )
    Trainer(model, loader, optimizer, rank, save_every).train(total_epochs)
    destroy_process_group()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="simple distributed training job")
    parser.add_argument("total_epochs", type=int, help="Total epochs to train the model")
    parser.add_argument("save_every", type=int, help="How often to save a snapshot")
    parser.add_argument("--batch_size", default=32, type=int, help="Input batch size on each device")
    parser.add_argument("--world_size", default=2, type=int, help="processes (GPUs in the original)")
    args = parser.parse_args()
    mp.spawn(main, args=(args.world_size, args.save_every, args.total_epochs, args.batch_size), nprocs=args.world_size)
