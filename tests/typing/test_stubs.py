"""The typed stubs: generated from the op table, current, and what mypy sees.

`python -m torchlet._stubgen` writes src/torchlet/_tensor.pyi and __init__.pyi;
these tests regenerate them in memory and fail on a diff, then run mypy
(default settings; torchlet's own .py sources are followed silently, as for any
installed package: tests/typing/mypy.ini) on examples/ and on a typed copy of
the README tour."""

import pathlib
import subprocess
import sys

import pytest

import torchlet
from torchlet import _stubgen

pytest.importorskip("mypy")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = pathlib.Path(torchlet.__file__).parent
HERE = pathlib.Path(__file__).parent


@pytest.mark.parametrize("name", sorted(_stubgen.FILES))
def test_stub_is_current(name, tmp_path):
    # In a fresh interpreter, as `python -m torchlet._stubgen` runs: a module this test process
    # imported earlier (torchlet.cli, torchlet.models) is a torchlet attribute only after that import.
    code = (
        f"import pathlib, torchlet._stubgen as g; "
        f"pathlib.Path({str(tmp_path / name)!r}).write_text(g.FILES[{name!r}]())"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    on_disk = (SRC / name).read_text()
    assert on_disk == (tmp_path / name).read_text(), f"{name} is stale: run `python -m torchlet._stubgen`"


def test_py_typed_marker_ships():
    assert (SRC / "py.typed").exists()
    assert (SRC / "_tensor.pyi").exists() and (SRC / "__init__.pyi").exists()


def test_every_bound_method_and_function_is_in_the_stubs():
    from torchlet.ops import _table

    tensor_stub = (SRC / "_tensor.pyi").read_text()
    init_stub = (SRC / "__init__.pyi").read_text()
    missing = [n for n in _table.METHODS if f"def {n}(" not in tensor_stub]
    missing += [n for n in _table.FUNCTIONS if not n.startswith("_") and f"def {n}(" not in init_stub]
    assert not missing, missing


def _mypy(files, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(HERE / "mypy.ini"),
        "--cache-dir",
        str(tmp_path / "mypy-cache"),
        "--no-error-summary",
        *map(str, files),
    ]
    env = {"MYPYPATH": str(SRC.parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)


@pytest.fixture(scope="module")
def mypy_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy")


def test_mypy_passes_on_examples_readme_tour_and_stubs(mypy_dir):
    files = sorted((ROOT / "examples").glob("*.py")) + [
        HERE / "readme_tour.py",
        SRC / "_tensor.pyi",
        SRC / "__init__.pyi",
    ]
    r = _mypy(files, mypy_dir)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_sees_methods_and_their_signatures(mypy_dir):
    """The check can fail: a misspelt method, a wrong arity and a wrong use of a
    return type are each reported, so the stubs are what mypy reads."""
    bad = mypy_dir / "bad.py"
    bad.write_text(
        "import torchlet as torch\n"
        "x = torch.ones(3)\n"
        "x.reluu()\n"  # no such method
        "x.relu(1, 2, 3)\n"  # too many arguments
        "n: str = x.dim()\n"  # dim() is an int
        "y: torch.Tensor = torch.cat([x, x]).view(-1).sum(dim=0)\n"
    )  # fine
    r = _mypy([bad], mypy_dir)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert 'bad.py:3: error: "Tensor" has no attribute "reluu"' in out, out
    assert "bad.py:4: error: Too many arguments" in out, out
    assert "bad.py:5: error: Incompatible types in assignment" in out, out
    assert "bad.py:6" not in out, out
