"""The pytorch/examples programs (programs/, unchanged) on torchlet print what they print
on PyTorch: each one whose status is "pass" runs on both with its small-run flags and
offline data (runner.py), and the printed lines must match in shape. Programs still
waiting for names other branches add are skipped with those names; flip their status
in runner.PROGRAMS once merged."""

import os

import pytest

from conftest import require

import runner

PASSING = [p.name for p in runner.PROGRAMS if p.status == "pass"]
WAITING = [p for p in runner.PROGRAMS if p.status != "pass"]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", PASSING)
def test_program_prints_as_pytorch(name):
    require("torch")
    require("torchvision")
    ok, report = runner.compare(name, timeout=500)
    assert ok, report


@pytest.mark.parametrize("program", WAITING, ids=[p.name for p in WAITING])
def test_program_waiting_for_names(program):
    pytest.skip("waits for " + ", ".join(program.status))


_HOGWILD_CHANGED = """
import sys, torch
sys.argv = ["main.py"]
from main import Net
torch.manual_seed(1)  # what main.py seeds before building its model
initial = Net().state_dict()
trained = torch.load("MNIST_hogwild.pt")
print(sorted(k for k in initial if not torch.equal(initial[k], trained[k])))
"""


@pytest.mark.timeout(600)
def test_mnist_hogwild_processes_train_the_parents_model():
    """Only the spawned processes train; the model the parent saves after joining them has
    learned, on torchlet as on PyTorch: the processes share its parameters."""
    import ast
    import dataclasses
    import subprocess
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    require("torch")
    require("torchvision")
    base = runner.BY_NAME["mnist_hogwild"]
    script, args = base.commands[0]
    program = dataclasses.replace(base, commands=[(script, args + ["--save_model"])])

    def changed(engine):
        with tempfile.TemporaryDirectory() as work:
            rc, out, err = runner.run(program, engine, work)
            assert rc == 0, err[-3000:]
            prog = os.path.join(work, program.directory)
            with open(os.path.join(prog, "changed.py"), "w") as f:
                f.write(_HOGWILD_CHANGED)
            p = subprocess.run(
                runner._cmd(engine, ["changed.py"]),
                cwd=prog,
                env=runner._env(engine, prog, work),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert p.returncode == 0, p.stderr[-3000:]
            return ast.literal_eval(p.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(2) as pool:  # both engines at once, as runner.compare does
        changed = dict(zip(("torch", "torchlet"), pool.map(changed, ("torch", "torchlet"))))
    assert (
        changed["torch"]
        == changed["torchlet"]
        == [
            "conv1.bias",
            "conv1.weight",
            "conv2.bias",
            "conv2.weight",
            "fc1.bias",
            "fc1.weight",
            "fc2.bias",
            "fc2.weight",
        ]
    )


def test_programs_are_vendored_with_their_license():
    here = runner.PROGRAMS_DIR
    with open(os.path.join(here, "LICENSE")) as f:
        assert f.readline().strip() == "BSD 3-Clause License"
    for p in runner.PROGRAMS:
        for script, _ in p.commands:
            assert os.path.isfile(os.path.join(here, p.directory, script)), (p.name, script)


def test_output_shape_keeps_words_and_replaces_numbers():
    assert runner.shape("Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.305 \nx=-1e-05 +0.55 x^2 nan") == [
        "Train Epoch: N [N/N (N%)]\tLoss: N",
        "x=N N x^N N",
    ]
    assert runner.shape("a\nb") != runner.shape("a\nc")


def test_offline_data_has_the_layouts(tmp_path):
    import struct
    import tarfile
    import example_data as data

    raw = data.mnist_idx(str(tmp_path), n_train=20, n_test=10)
    with open(os.path.join(raw, "train-images-idx3-ubyte"), "rb") as f:
        assert struct.unpack(">IIII", f.read(16)) == (2051, 20, 28, 28)
        assert len(f.read()) == 20 * 28 * 28
    with tarfile.open(data.cora_tgz(str(tmp_path / "cora.tgz"), n_nodes=30, n_edges=50)) as t:
        assert sorted(t.getnames()) == ["cora/cora.cites", "cora/cora.content"]
        first = t.extractfile("cora/cora.content").readline().decode().split("\t")
        assert len(first) == 1 + 40 + 1 and first[-1].startswith("Class_")
    d = data.text_corpus(str(tmp_path / "wt"))
    assert sorted(os.listdir(d)) == ["test.txt", "train.txt", "valid.txt"]
