"""The benchmark suite (benchmarks/suite): its workloads are the same model,
weights and data in both libraries, and the command writes its reports.
No timings are asserted."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import torchlet

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "benchmarks")
sys.path.insert(0, BENCHMARKS)
from suite import workloads as w  # noqa: E402


@pytest.mark.parametrize("name", list(w.MODELS))
def test_models_match_torch(torch, name):
    built = w.build(name, {"torchlet": torchlet, "torch": torch})
    (mo, xo, yo), (mt, xt, yt) = built["torchlet"], built["torch"]
    assert np.array_equal(xo.numpy(), xt.numpy()) and np.array_equal(yo.numpy(), yt.numpy())
    mo.eval()
    mt.eval()
    with torchlet.no_grad(), torch.no_grad():
        out_o, out_t = mo(xo), mt(xt)
    np.testing.assert_allclose(out_o.numpy(), out_t.numpy(), rtol=1e-4, atol=1e-4)


def test_training_steps_match_torch(torch):
    built = w.build("lenet", {"torchlet": torchlet, "torch": torch})
    steps = {k: w.train_step(m, built[k]) for k, m in (("torchlet", torchlet), ("torch", torch))}
    for _ in range(2):
        for s in steps.values():
            s()
    po = dict(built["torchlet"][0].named_parameters())
    for k, p in built["torch"][0].named_parameters():
        np.testing.assert_allclose(po[k].detach().numpy(), p.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_step_flops_counts_matrix_products():
    # MLP: forward 784*256 + 256*10 MACs per sample, weight grads the same, hidden-input grad 256*10
    assert w.step_flops("mlp") == 2 * 256 * (2 * (784 * 256 + 2560) + 2560)
    assert w.step_flops("cifar") is None


def test_command_writes_json_and_png(tmp_path, torch):
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(v, None)  # main pins them itself, re-running in a fresh interpreter
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(BENCHMARKS, "run.py"),
            "--only",
            "ops",
            "--repeat",
            "1",
            "--json",
            str(out),
            "--png",
            str(png),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["meta"]["threads"] == 1
    rows = data["results"]
    assert {r["name"] for r in rows} >= {"add fwd", "matmul fwd+bwd", "sum fwd"}
    for r in rows:
        assert r["torchlet"] > 0 and r["torch"] > 0
        assert r["ratio"] == pytest.approx(r["torchlet"] / r["torch"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ratio" in proc.stdout


def test_without_torch_gives_absolute_figures(tmp_path):
    out = tmp_path / "r.json"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(BENCHMARKS, "run.py"),
            "--only",
            "train",
            "--models",
            "softmax",
            "--repeat",
            "1",
            "--no-torch",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(out.read_text())["results"]
    assert row["torch"] is None and row["ratio"] is None and row["torchlet"] > 0


@pytest.mark.parametrize("name,make,shape", w.LAYERS, ids=[c[0] for c in w.LAYERS])
def test_layer_workloads_agree(name, make, shape, torch):
    """Each layer workload computes the same thing in both libraries (same weights):
    input gradients agree, so the timings compare like with like."""
    grads = {}
    for lib in (torch, torchlet):
        torch.manual_seed(0)
        x, fn = w.layer_case(lib, make, shape)
        fn().sum().backward()
        grads[lib.__name__] = x.grad.detach().numpy()
        assert callable(w.layer_call(lib, name, make, shape))
    np.testing.assert_allclose(grads["torchlet"], grads["torch"], rtol=1e-4, atol=1e-4)
