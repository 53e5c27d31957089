"""`torchlet train --task lm` and `torchlet generate`: short runs with a tiny model that train,
checkpoint, resume exactly, write TensorBoard logs, sample; bad input is one line, exit 2."""

import os

import pytest

import torchlet
from torchlet.cli.main import main
from torchlet.text.datasets import bundled_text_path

TINY = [
    "--task",
    "lm",
    "--n-layer",
    "1",
    "--n-head",
    "2",
    "--n-embd",
    "16",
    "--block-size",
    "16",
    "--batch-size",
    "8",
    "--steps-per-epoch",
    "4",
    "--eval-batches",
    "2",
    "--seed",
    "0",
    "--scheduler",
    "none",
]  # cosine's horizon is the first run's --epochs, so resume with a longer run differs


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("txt") / "plays.txt"
    with open(bundled_text_path(), encoding="utf-8") as f:
        p.write_text(f.read()[:20000], encoding="utf-8")
    return str(p)


def _epoch_line(out, n):
    line = [l for l in out.splitlines() if l.startswith(f"epoch {n}/")][0]
    return line.split("  lr")[0]  # without the timing


def test_train_checkpoint_resume_generate(text_file, tmp_path, capsys):
    full, part = tmp_path / "full", tmp_path / "part"
    assert (
        main(
            [
                "train",
                *TINY,
                "--dataset",
                text_file,
                "--epochs",
                "3",
                "--checkpoint-dir",
                str(full),
                "--logdir",
                str(tmp_path / "runs"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "training gpt language model" in out and "val loss" in out and "ppl" in out and "sample:" in out
    assert sorted(os.listdir(full)) == ["best.pt", "last.pt"]
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(tmp_path / "runs"))
    state = torchlet.load(str(full / "last.pt"))
    assert state["epoch"] == 3 and state["tokenizer"]["type"] == "char"
    assert "transformer.h.0.attn.c_attn.weight" in state["state_dict"]
    # 1 epoch, then --resume (task read from the checkpoint) to 3: the same numbers as straight through
    assert main(["train", *TINY, "--dataset", text_file, "--epochs", "1", "--checkpoint-dir", str(part)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(part / "last.pt"), "--epochs", "3", "--checkpoint-dir", str(part)]) == 0
    resumed = capsys.readouterr().out
    assert "resuming gpt on" in resumed
    assert _epoch_line(resumed, 3) == _epoch_line(out, 3)
    a, b = torchlet.load(str(full / "last.pt")), torchlet.load(str(part / "last.pt"))
    for k, v in a["state_dict"].items():
        assert torchlet.equal(v, b["state_dict"][k]), k
    # generate: the prompt, then max_new_tokens characters; seeded runs repeat
    args = [
        "generate",
        "--checkpoint",
        str(full / "best.pt"),
        "--prompt",
        "ROMEO:",
        "--max-new-tokens",
        "30",
        "--seed",
        "3",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.startswith("ROMEO:") and len(first.rstrip("\n")) >= 36
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert main(args[:-2] + ["--temperature", "0", "--num-samples", "2"]) == 0
    two = capsys.readouterr().out.split("-" * 40 + "\n")
    assert len(two) == 2 and two[0] == two[1]  # greedy: the same text twice


def test_lstm_and_bpe(text_file, tmp_path, capsys):
    assert (
        main(
            [
                "train",
                *TINY,
                "--dataset",
                text_file,
                "--model",
                "lstm",
                "--epochs",
                "1",
                "--checkpoint-dir",
                str(tmp_path / "l"),
            ]
        )
        == 0
    )
    assert "training lstm language model" in capsys.readouterr().out
    assert (
        main(
            [
                "generate",
                "--checkpoint",
                str(tmp_path / "l" / "last.pt"),
                "--prompt",
                "ROMEO",
                "--max-new-tokens",
                "5",
                "--seed",
                "0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("ROMEO")
    assert (
        main(
            [
                "train",
                *TINY,
                "--dataset",
                text_file,
                "--tokenizer",
                "bpe:300",
                "--epochs",
                "1",
                "--checkpoint-dir",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    assert "bpe:300 vocabulary of 300" in capsys.readouterr().out
    state = torchlet.load(str(tmp_path / "b" / "last.pt"))
    assert state["tokenizer"]["type"] == "bpe" and state["model_args"]["vocab_size"] == 300
    assert (
        main(
            [
                "generate",
                "--checkpoint",
                str(tmp_path / "b" / "last.pt"),
                "--prompt",
                "Good morrow",
                "--max-new-tokens",
                "5",
                "--seed",
                "0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("Good morrow")


@pytest.mark.parametrize(
    "extra,text",
    [
        (["--tokenizer", "words"], "--tokenizer must be char or bpe:N"),
        (["--tokenizer", "bpe:10"], "N >= 257"),
        (["--model", "resnet18"], "must be gpt or lstm"),
        (["--n-embd", "10", "--n-head", "3"], "divisible"),
        (["--dataset", "no-such-corpus"], "Unknown dataset"),
        (["--block-size", "100000"], "too short"),
    ],
)
def test_bad_input_is_one_line(text_file, extra, text, capsys, tmp_path):
    data = [] if "--dataset" in extra else ["--dataset", text_file]
    args = ["train", *TINY, *data, "--checkpoint-dir", str(tmp_path), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1 and err.startswith("torchlet train: error:")


def test_generate_errors(text_file, tmp_path, capsys):
    assert main(["generate", "--checkpoint", str(tmp_path / "none.pt")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    assert main(["train", *TINY, "--dataset", text_file, "--epochs", "1", "--checkpoint-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["generate", "--checkpoint", str(tmp_path / "last.pt"), "--prompt", "\u4e2d"]) == 2
    assert "vocabulary lacks" in capsys.readouterr().err
    assert main(["train", "--epochs", "1", "--checkpoint-dir", str(tmp_path / "cls")]) == 0  # a digits classifier
    capsys.readouterr()
    assert main(["generate", "--checkpoint", str(tmp_path / "cls" / "last.pt")]) == 2
    assert "not a language model" in capsys.readouterr().err
