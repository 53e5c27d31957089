"""benchmarks/compare_revisions.py: its arguments, its default baseline, the check that each
child imports the tree it was given, and a smoke run over a real temporary worktree.
No timings are asserted."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "benchmarks", "compare_revisions.py")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import compare_revisions as cr  # noqa: E402


def _worktrees():
    return subprocess.run(["git", "-C", ROOT, "worktree", "list"], capture_output=True, text=True).stdout


def test_defaults():
    args = cr.parser().parse_args([])
    assert (args.old, args.new, args.rounds, args.threads, args.smoke) == (None, "HEAD", 7, 1, False)
    assert args.only == list(cr.WORKLOADS)
    args = cr.parser().parse_args(["abc", ".", "--rounds", "3", "--only", "add_2x2,lenet_step", "--threads", "default"])
    assert (args.old, args.new, args.rounds, args.only, args.threads) == (
        "abc",
        ".",
        3,
        ["add_2x2", "lenet_step"],
        None,
    )


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--only", "add_2x2,nope"], "unknown workload(s) nope"),
        (["--only", ","], "unknown workload(s) (none)"),
        (["--rounds", "0"], "--rounds takes a whole number >= 1"),
        (["--threads", "4"], "--threads takes 1 or default"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(argv, words, capsys):
    with pytest.raises(SystemExit) as e:
        cr.parser().parse_args(argv)
    assert e.value.code == 2
    assert words in capsys.readouterr().err


def test_an_unknown_revision_stops_before_any_worktree_is_made():
    before = _worktrees()
    with pytest.raises(SystemExit, match="rev-parse"):
        cr.main(["no-such-revision-xyz", "HEAD", "--smoke"])
    assert _worktrees() == before


def test_default_baseline_is_the_tree_before_the_op_table():
    old = cr.default_old(ROOT)
    has_table = subprocess.run(["git", "-C", ROOT, "cat-file", "-e", f"{old}:src/torchlet/ops/_table.py"])
    assert has_table.returncode != 0  # the op table did not exist yet
    child = subprocess.run(
        ["git", "-C", ROOT, "log", "--format=%s", "--ancestry-path", f"{old}..HEAD", "--reverse"],
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert child and any(s.startswith("One op table") for s in child)


def test_a_child_refuses_a_torchlet_from_another_tree(tmp_path):
    with pytest.raises(SystemExit, match="imported torchlet from"):
        cr.child(str(tmp_path), ["add_2x2"], smoke=True)


@pytest.mark.timeout(600)
def test_smoke_run_over_a_temporary_worktree(tmp_path):
    before = _worktrees()
    out = tmp_path / "rows.json"
    p = subprocess.run(
        [sys.executable, SCRIPT, "HEAD", ".", "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    data = json.loads(out.read_text())
    assert data["new"] == "." and data["rounds"] == 1
    assert [r["workload"] for r in data["rows"]] == list(cr.WORKLOADS)
    assert "new/old" in p.stdout
    assert _worktrees() == before  # the temporary worktree is gone
