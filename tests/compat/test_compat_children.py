"""Python processes a program run through `python -m torchlet.compat` starts (multiprocessing
spawn children, as in pytorch/examples mnist_hogwild) map `torch` onto torchlet too."""

import os
import subprocess
import sys

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))

PROGRAM = """
import subprocess, sys
import torch
import torch.multiprocessing as mp

def child(q):
    import torch
    q.put(torch.__name__)

if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print("parent", torch.__name__)
    print("spawned", q.get(timeout=60))
    p.join()
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__name__)"],
                         capture_output=True, text=True).stdout.strip()
    print("subprocess", out)
"""


def test_spawned_children_see_torchlet(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("TORCHLET_COMPAT", None)
    res = subprocess.run(
        [sys.executable, "-m", "torchlet.compat", str(prog)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:3] == ["parent torchlet", "spawned torchlet", "subprocess torchlet"]
    # outside the compat runner nothing changes
    plain = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ.get('TORCHLET_COMPAT'))"],
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    assert plain == "None"
