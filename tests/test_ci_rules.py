"""The suite's own rules: under CI=true a missing optional test dependency fails instead of
skipping; pytest-timeout is configured; .ci/run stops on a failed install step."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_PROBE_TESTS = """
from conftest import require, require_program


def test_module():
    require("no_such_module_for_torchlet_tests")


def test_program():
    require_program("no-such-program-for-torchlet-tests")
"""


def _run_probe(tmp_path, ci):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(_PROBE_TESTS)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rfs", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def test_missing_dependency_skips_locally(tmp_path):
    res = _run_probe(tmp_path, ci=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 skipped" in res.stdout


def test_missing_dependency_fails_under_ci(tmp_path):
    res = _run_probe(tmp_path, ci=True)
    assert res.returncode != 0
    assert "2 failed" in res.stdout, res.stdout
    assert "CI=true but no_such_module_for_torchlet_tests cannot be imported" in res.stdout
    assert "CI=true but no-such-program-for-torchlet-tests is not installed" in res.stdout


def test_per_test_timeout_is_configured():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(dep.startswith("pytest-timeout") for dep in conf["project"]["optional-dependencies"]["test"])
    assert int(conf["tool"]["pytest"]["ini_options"]["timeout"]) > 0


def test_timeout_plugin_is_installed():
    import pytest_timeout  # noqa: F401  (pytest-timeout, from the test extra)


@pytest.mark.parametrize("failing", ["pip", "apt-get"])
def test_ci_script_stops_on_a_failed_install(tmp_path, failing):
    """Run .ci/run in a sandbox PATH whose `python3 -m venv` works but whose pip (or apt-get,
    with no Chromium installed) fails: the script must stop there with a non-zero status and
    never run pytest."""
    script = (ROOT / ".ci" / "run").read_text()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "dirname", "id", "mktemp", "mkdir", "chmod", "touch", "env", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bindir / tool).symlink_to(found)
    marker = tmp_path / "reached"
    # pip fails on the test extra's install (`pip install -e ".[test]"`), the step the old
    # script chained with `&&`, where a failure did not stop it
    pip_body = 'case \\" $* \\" in *\\" -e \\"*) exit 1;; esac; exit 0' if failing == "pip" else "exit 0"
    fake_py = bindir / "python3"
    fake_py.write_text(f"""#!{shutil.which("bash")}
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  printf '#!{shutil.which("bash")}\\n{pip_body}\\n' > "$3/bin/pip"
  printf '#!{shutil.which("bash")}\\ntouch {marker}\\n' > "$3/bin/python"
  chmod +x "$3/bin/pip" "$3/bin/python"
  exit 0
fi
touch {marker}
""")
    fake_py.chmod(0o755)
    for tool in ("apt-get", "sudo"):
        stub = bindir / tool
        stub.write_text(f"#!{shutil.which('bash')}\n" + ('exec "$@"\n' if tool == "sudo" else "exit 1\n"))
        stub.chmod(0o755)
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    (repo / ".ci" / "run").write_text(script)
    env = {"PATH": str(bindir), "HOME": str(tmp_path)}
    res = subprocess.run(
        [str(bindir / "bash"), str(repo / ".ci" / "run")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=repo,
    )
    assert res.returncode != 0, res.stdout + res.stderr
    assert not marker.exists(), "the script went on past a failed install step"
