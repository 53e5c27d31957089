"""The repository's layout promises: the `torchlet` command lives in the cli
package (console script, python -m torchlet, python -m torchlet.cli), the
files the library reads at run time are all shipped as package data, and the
benchmark suite sits with the benchmark scripts."""

import fnmatch
import os
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "src", "torchlet")


def _pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


def test_every_non_python_file_is_package_data():
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["torchlet"]
    missing = []
    for folder, dirs, files in os.walk(PKG):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), PKG).replace(os.sep, "/")
            if not rel.endswith((".py", ".pyi")) and not any(fnmatch.fnmatch(rel, p) for p in patterns):
                missing.append(rel)
    assert missing == [] or all(m.endswith("py.typed") for m in missing), missing
    assert any(fnmatch.fnmatch("vision/assets/digits.csv.gz", p) for p in patterns)


def test_the_console_script_and_module_entry_points_are_the_cli():
    script = _pyproject()["project"]["scripts"]["torchlet"]
    module, func = script.split(":")
    import importlib
    from torchlet.cli.main import main

    assert getattr(importlib.import_module(module), func) is main
    import torchlet.cli.main as as_module

    assert as_module.__name__ == "torchlet.cli.main"  # not shadowed by the function
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for argv in (["-m", "torchlet", "models"], ["-m", "torchlet.cli", "datasets"]):
        p = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        assert ("lenet" if argv[-1] == "models" else "digits") in p.stdout


def test_no_old_locations_remain():
    for old in ("cli.py", "train.py", "_cli", "bench", "vision/data", "text/data", "compat/summary.py"):
        assert not os.path.exists(os.path.join(PKG, old)), old
    assert os.path.isfile(os.path.join(ROOT, "benchmarks", "suite", "workloads.py"))
