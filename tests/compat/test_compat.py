"""The compatibility runner: an unmodified PyTorch program runs on torchlet."""

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import sys
    import torch
    import torch.nn.functional as F
    from torch import nn
    import torchvision
    from torchvision import transforms
    print(torch.__name__, nn.Linear.__module__, torchvision.__name__, transforms.ToTensor.__module__)
    print(F.relu(torch.tensor([-1.0, 2.0])))
    print(sys.argv[1:], __name__)
""")


def _compat(tmp_path, source, *args):
    prog = tmp_path / "prog.py"
    prog.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "torchlet.compat", str(prog), *args], capture_output=True, text=True, timeout=120
    )


def test_torch_and_torchvision_map_onto_torchlet(tmp_path):
    proc = _compat(tmp_path, PROGRAM, "--epochs", "3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == [
        "torchlet",
        "torchlet.nn.linear",
        "torchlet.vision",
        "torchlet.vision.transforms.transforms",
    ]
    assert lines[1] == "tensor([0., 2.])"
    assert lines[2] == "['--epochs', '3'] __main__"


def test_traceback_is_the_programs(tmp_path):
    proc = _compat(tmp_path, "import torch\n\ndef f():\n    raise ValueError('boom')\n\nf()\n")
    assert proc.returncode != 0
    assert 'prog.py", line 4, in f' in proc.stderr and "ValueError: boom" in proc.stderr


def test_missing_api_names_the_pytorch_name(tmp_path):
    proc = _compat(tmp_path, "import torch\ntorch.histogramdd(torch.ones(4, 2), bins=3)\n")
    assert proc.returncode != 0
    assert "torch.histogramdd" in proc.stderr and "torchlet does not implement" in proc.stderr


def test_check_lists_used_and_missing_names(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("import torch\nx = torch.ones(4, 2)\ny = torch.histogramdd(x, bins=3)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "torchlet.compat", "--check", str(prog)], capture_output=True, text=True, timeout=120
    )
    out = proc.stdout
    assert "torch.ones" in out and "torch.histogramdd" in out
    ok_line = [l for l in out.splitlines() if "torch.ones" in l][0]
    missing_line = [l for l in out.splitlines() if "torch.histogramdd" in l][0]
    assert ok_line.split()[0] != missing_line.split()[0]


def test_install_from_python():
    code = "import torchlet.compat as c; c.install(); import torch, torchvision; print(torch.__name__, torchvision.__name__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["torchlet", "torchlet.vision"], proc.stderr
