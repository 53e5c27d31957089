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


def _run(args, env=None, timeout=900):
    env = dict(os.environ) if env is None else env
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(v, None)  # the suite sets them per thread setting for its children
    cmd = [sys.executable, os.path.join(BENCHMARKS, "run.py"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def test_command_runs_one_thread_and_default_and_writes_json_and_png(tmp_path, torch):
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    proc = _run(["--only", "random", "--rounds", "1", "--repeat", "1", "--json", str(out), "--png", str(png)])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    meta, rows = data["meta"], data["results"]
    # one thread: both libraries and the BLAS at 1; default: each library's own count
    assert meta["threads"]["1"]["torchlet"] == meta["threads"]["1"]["torch"] == 1
    assert {p["num_threads"] for p in meta["threads"]["1"]["blas"] if p["user_api"] == "blas"} == {1}
    assert meta["threads"]["default"]["torch"] == torch.get_num_threads()
    assert meta["machine"]["cpu"] and meta["machine"]["logical_cores"] == os.cpu_count()
    assert any(p["user_api"] == "blas" for p in meta["machine"]["blas"])
    assert sorted(r["threads"] for r in rows) == ["1"] * len(w.RANDOM) + ["default"] * len(w.RANDOM)
    for r in rows:
        assert r["torchlet"] > 0 and r["torch"] > 0
        assert r["ratio"] == pytest.approx(r["torchlet"] / r["torch"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ratio" in proc.stdout and "default" in proc.stdout


def test_each_library_is_timed_in_its_own_processes_taking_turns(tmp_path, torch):
    """Alternating processes: per timed group, `rounds` interpreters per library, each timing
    one library, torchlet first in even rounds; a row pools every timing of each library."""
    out = tmp_path / "r.json"
    proc = _run(["--only", "random,import", "--threads", "1", "--rounds", "2", "--repeat", "2", "--json", str(out)])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    runs = data["meta"]["processes"]
    random_runs = [r for r in runs if r["groups"] == ["random"]]
    assert [r["timed"] for r in random_runs] == [["torchlet"], ["torch"], ["torch"], ["torchlet"]]
    assert len({r["pid"] for r in random_runs}) == 4
    # import time starts its own process per library: one interpreter, both libraries
    assert [r["timed"] for r in runs if r["groups"] == ["import"]] == [["torch", "torchlet"]]
    for r in (r for r in data["results"] if r["group"] == "random"):
        assert len(r["times"]["torchlet"]) == len(r["times"]["torch"]) == 4  # 2 interpreters x 2 timings
        assert r["torchlet"] == pytest.approx(np.median(r["times"]["torchlet"]))
        assert r["ratio"] == pytest.approx(r["torchlet"] / r["torch"])
        assert r["met"] == (r["ratio"] <= r["limit"])
    assert {r["name"] for r in data["results"] if r["group"] == "random"} == set(w.RANDOM)


def test_merge_pools_timings_and_recomputes_the_verdict():
    from suite.runner import _row, merge

    def part(lib, times):
        r = _row("train", "mlp", None, None, limit=1.0)
        r.update(threads="1", times={lib: times}, calls_per_timing={lib: 10}, **{lib: float(np.median(times))})
        return r

    rows = [part("torchlet", [3.0, 9.0]), part("torch", [4.0, 4.0]), part("torch", [5.0]), part("torchlet", [1.0])]
    (m,) = merge(rows)
    assert m["torchlet"] == 3.0 and m["torch"] == 4.0  # medians of [3, 9, 1] and [4, 4, 5], not of the medians
    assert m["ratio"] == 0.75 and m["met"] is True and m["target"] == "<=1.0"
    frac = [_row("flops", "mlp step / peak", v, None, "frac", 0.6, True) for v in (0.5, 0.7, 0.8)]
    (f,) = merge([dict(r, threads="1") for r in frac])
    assert f["torchlet"] == 0.7 and f["ratio"] is None and f["met"] is True


def test_without_torch_gives_absolute_figures(tmp_path):
    out = tmp_path / "r.json"
    proc = _run(
        ["--only", "train", "--models", "softmax", "--threads", "1", "--repeat", "1", "--no-torch"]
        + ["--json", str(out)]
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


SMOKE_CASES = [("train", m) for m in w.MODELS] + [
    (g, None) for g in ("infer", "lm", "layers", "ops", "data", "random", "memory", "import")
]


@pytest.mark.timeout(900)  # a subprocess importing both libraries; ResNet-18 and GPT steps on a loaded machine
@pytest.mark.parametrize("group,model", SMOKE_CASES, ids=[f"{g}-{m}" if m else g for g, m in SMOKE_CASES])
def test_smoke_mode_checks_every_workload_against_torch(group, model, torch):
    """What CI runs: a few iterations of each workload, outputs compared with PyTorch's, no timing."""
    proc = _run(["--smoke", "--only", group] + (["--models", model] if model else []))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every workload agrees with PyTorch" in proc.stdout
    assert "DIFFERS" not in proc.stdout


def test_smoke_reports_a_workload_that_differs(monkeypatch, torch):
    from suite import smoke

    def cases(groups, models, libs):
        yield "ops", "off by one", lambda: (torchlet.ones(3), torch.ones(3) + 1)
        yield "ops", "same", lambda: (torchlet.zeros(3), torch.zeros(3))

    monkeypatch.setattr(smoke, "_cases", cases)
    lines = []
    assert smoke.run(["ops"], emit=lines.append) == 1
    assert any("off by one" in line and "DIFFERS" in line for line in lines)
    assert any("same" in line and " ok " in line for line in lines)
    with pytest.raises(AssertionError, match="shapes"):
        smoke.agree(torchlet.ones(2, 3), torch.ones(3, 2))


def test_targets_are_the_issue_s():
    from suite.groups import limit

    assert limit("train", "mlp", 1) == 1.0 and limit("train", "resnet18", 1) == 1.15
    assert limit("train", "mlp", None) == limit("train", "cifar", None) == 1.2
    assert limit("infer", "lenet5", 1) == 1.1 and limit("lm", "gpt train step", None) == 1.3
    assert limit("op 256x256", "sum fwd+bwd", 1) == 1.3 and limit("op 256x256", "matmul fwd", 1) is None
    assert limit("op 2x2", "relu fwd", 1) == 1.5 and limit("data", "DataLoader cifar 2 workers", 1) == 1.0
    assert limit("memory", "LeNet epoch peak (delta)", 1) == 1.0
