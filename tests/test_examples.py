"""Every example in examples/ runs to completion and prints what it should."""

import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
# example -> a piece of its output that shows it did its job
EXPECT = {
    "linear_regression.py": "recovered w",
    "linear_regression_concise.py": "b error",
    "softmax_regression_scratch.py": "epoch 10",
    "softmax_regression_concise.py": "epoch 10",
    "mlp.py": "epoch 8",
    "custom_blocks.py": "tied: True",
    "save_load.py": "same output: True",
    "lenet.py": "epoch 4",
    "modern_cnns.py": "GoogLeNet",
    "tensorboard_logging.py": "wrote",
    "higher_order_gradients.py": "tensor(",
    "char_gpt.py": "sample:\nROMEO:",
    "rnn_language_model.py": "epoch 5, perplexity",
    "bpe_walkthrough.py": "round trip: True",
}


def test_every_example_is_listed():
    found = {f for f in os.listdir(EXAMPLES) if f.endswith(".py") and not f.startswith("_")}
    assert found == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_example_runs(name, tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, name)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert EXPECT[name] in proc.stdout
