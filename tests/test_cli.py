"""The `torchlet` command: train on the built-in digits, checkpoints and exact resume,
evaluate/predict, and one clear line with a non-zero exit for bad input."""

import os
import subprocess
import sys

import pytest

from torchlet.cli.main import main


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "torchlet.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    ck = tmp_path_factory.mktemp("ck")
    proc = _run("train", "--epochs", "4", "--seed", "0", "--checkpoint-dir", str(ck))
    assert proc.returncode == 0, proc.stderr
    return ck, proc.stdout


def test_train_digits_learns(trained):
    ck, out = trained
    acc = float(out.split("test accuracy")[1].split("%")[0])
    assert acc > 85.0, out
    assert os.path.exists(ck / "last.pt") and os.path.exists(ck / "best.pt")


def test_resume_continues_exactly(trained, tmp_path):
    """4 epochs straight == 2 epochs, then --resume to 4 (same seed): same final line."""
    ck, straight = trained
    part = tmp_path / "part"
    assert _run("train", "--epochs", "2", "--seed", "0", "--checkpoint-dir", str(part)).returncode == 0
    proc = _run(
        "train", "--epochs", "4", "--seed", "0", "--checkpoint-dir", str(part), "--resume", str(part / "last.pt")
    )
    assert proc.returncode == 0, proc.stderr
    last = lambda text: [l for l in text.splitlines() if l.startswith("epoch 4/4")][0]
    assert last(proc.stdout).split()[:9] == last(straight).split()[:9]


def test_evaluate_and_predict(trained, tmp_path):
    ck, _ = trained
    proc = _run("evaluate", "--checkpoint", str(ck / "best.pt"), "--plot", str(tmp_path / "cm.png"))
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "per-class accuracy" in proc.stdout
    from PIL import Image

    assert Image.open(tmp_path / "cm.png").size[0] > 50
    from torchlet.vision.datasets import Digits

    img, label = Digits(train=False)[0]
    img.save(tmp_path / "digit.png")
    proc = _run("predict", "--checkpoint", str(ck / "best.pt"), str(tmp_path / "digit.png"))
    assert proc.returncode == 0, proc.stderr
    assert "%" in proc.stdout


def test_listings(capsys):
    assert main(["models"]) == 0
    assert "lenet" in capsys.readouterr().out
    assert main(["datasets"]) == 0
    assert "digits" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,text",
    [
        (["train", "--model", "nope"], "unknown model 'nope'"),
        (["train", "--dataset", "nope"], "unknown dataset 'nope'"),
        (["train", "--lr", "-1"], "--lr must be positive"),
        (["train", "--dataset", "mnist", "--data-root", "/nonexistent-dir"], "--download"),
        (["evaluate", "--checkpoint", "/nonexistent.pt"], "no checkpoint"),
    ],
)
def test_bad_input_is_one_line(args, text, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert text in err and "\n" not in err and "Traceback" not in err


def test_not_an_image_and_other_models_checkpoint(trained, tmp_path, capsys):
    ck, _ = trained
    bad = tmp_path / "x.png"
    bad.write_text("not an image")
    assert main(["predict", "--checkpoint", str(ck / "best.pt"), str(bad)]) == 2
    assert "is not an image" in capsys.readouterr().err
    assert main(["train", "--model", "mlp", "--resume", str(ck / "last.pt"), "--epochs", "5"]) == 2
    assert "lenet" in capsys.readouterr().err


def test_ctrl_c_saves_a_resumable_checkpoint(tmp_path):
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "torchlet.cli", "train", "--epochs", "500", "--checkpoint-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 120
    while not (tmp_path / "last.pt").exists() and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, out
    assert "--resume" in out
    import torchlet

    state = torchlet.load(tmp_path / "last.pt", weights_only=False)
    assert state["epoch"] >= 0 and state["model"] == "lenet" and "optimizer" in state


def test_logdir_writes_tensorboard_runs(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert main(["train", "--epochs", "1", "--logdir", str(tmp_path)]) == 0
    ea = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    ea.Reload()
    tags = ea.Tags()
    assert {"loss/train", "accuracy/val", "lr"} <= set(tags["scalars"])
    assert tags["histograms"] and tags["graph"]
