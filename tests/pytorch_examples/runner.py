"""Run the pytorch/examples programs (vendored, unchanged, in programs/) on PyTorch and
on torchlet (`python -m torchlet.compat`) with their own small-run flags on offline
data, and compare what they print: the same lines, with numbers where PyTorch prints
numbers (the values themselves are not compared: tiny data, one step).

`PROGRAMS` says, per program, how to run it and whether it passes on this branch:
status "pass", or the torchlet names it still lacks (other branches add them; flip
the status to "pass" once they are merged and `python runner.py NAME` agrees).

    python tests/pytorch_examples/runner.py            # every program, a status table
    python tests/pytorch_examples/runner.py mnist vae  # some, with both outputs on mismatch
"""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS_DIR = os.path.join(HERE, "programs")
SRC = os.path.abspath(os.path.join(HERE, "..", "..", "src"))
STUBS = os.path.join(HERE, "stubs")
sys.path.insert(0, HERE)
import example_data as data  # noqa: E402


@dataclasses.dataclass
class Program:
    name: str
    directory: str  # folder under programs/, copied to the work dir
    commands: list  # [(script, [args])], run in order in the copied folder
    status: object = "pass"  # "pass" or the list of names torchlet lacks
    setup: object = None  # setup(work_dir, program_dir, engine) before the first command
    pytorch_fails: str = ""  # PyTorch itself stops with this error: torchlet must do the same


def _mnist(work, prog, engine):
    data.mnist_idx(os.path.join(work, "data"))
    data.mnist_idx(os.path.join(prog, "data"))


def _vae(work, prog, engine):
    _mnist(work, prog, engine)
    os.makedirs(os.path.join(prog, "results"), exist_ok=True)


def _wikitext(work, prog, engine):
    data.text_corpus(os.path.join(prog, "data", "wikitext-2"))


def _bsds(work, prog, engine):
    data.bsds300(os.path.join(prog, "dataset"))


def _cora(work, prog, engine):
    data.cora_tgz(os.path.join(work, "cora.tgz"))


def _neural_style(work, prog, engine):
    data.image(os.path.join(prog, "content.jpg"), (32, 32))
    code = (
        "import sys, torch; sys.path.insert(0, 'neural_style'); from transformer_net import TransformerNet; "
        "torch.manual_seed(0); torch.save(TransformerNet().state_dict(), 'style.pth')"
    )
    subprocess.run(_cmd("torch", ["-c", code]), cwd=prog, env=_env("torch", prog), check=True)


_SR_TRAIN = (
    "main.py",
    [
        "--upscale_factor",
        "3",
        "--batchSize",
        "4",
        "--testBatchSize",
        "100",
        "--nEpochs",
        "1",
        "--lr",
        "0.001",
        "--threads",
        "0",
    ],
)

PROGRAMS = [
    Program("mnist", "mnist", [("main.py", ["--epochs", "1", "--dry-run"])], "pass", _mnist),
    Program("mnist_rnn", "mnist_rnn", [("main.py", ["--epochs", "1", "--dry-run"])], "pass", _mnist),
    Program(
        "mnist_forward_forward", "mnist_forward_forward", [("main.py", ["--epochs", "1", "--no_accel"])], "pass", _mnist
    ),
    Program(
        "mnist_hogwild",
        "mnist_hogwild",
        [("main.py", ["--epochs", "1", "--dry-run", "--num-processes", "2"])],
        "pass",
        _mnist,
    ),
    Program("vae", "vae", [("main.py", ["--epochs", "1"])], "pass", _vae),
    Program(
        "dcgan",
        "dcgan",
        [
            (
                "main.py",
                ["--dataset", "fake", "--dry-run", "--batchSize", "4", "--ngf", "8", "--ndf", "8", "--workers", "0"],
            )
        ],
        "pass",
    ),
    Program("regression", "regression", [("main.py", ["--epochs", "1"])], "pass"),
    Program("siamese_network", "siamese_network", [("main.py", ["--epochs", "1", "--dry-run"])], "pass", _mnist),
    Program(
        "time_sequence_prediction",
        "time_sequence_prediction",
        [("generate_sine_wave.py", []), ("train.py", ["--steps", "1"])],
        "pass",
        pytorch_fails="UnpicklingError",
    ),  # torch.load's weights_only default refuses the NumPy array
    Program(
        "word_language_model_lstm",
        "word_language_model",
        [
            ("main.py", ["--epochs", "1", "--dry-run", "--model", "LSTM", "--emsize", "16", "--nhid", "16"]),
            ("generate.py", ["--words", "20"]),
        ],
        "pass",
        _wikitext,
    ),
    Program(
        "word_language_model_transformer",
        "word_language_model",
        [
            (
                "main.py",
                [
                    "--epochs",
                    "1",
                    "--dry-run",
                    "--model",
                    "Transformer",
                    "--emsize",
                    "16",
                    "--nhid",
                    "16",
                    "--nhead",
                    "2",
                ],
            ),
            ("generate.py", ["--words", "20"]),
        ],
        "pass",
        _wikitext,
    ),
    Program("super_resolution", "super_resolution", [_SR_TRAIN], "pass", _bsds),
    Program(
        "super_resolution_resolve",
        "super_resolution",
        [
            _SR_TRAIN,
            (
                "super_resolve.py",
                [
                    "--input_image",
                    "dataset/BSDS300/images/test/1000.jpg",
                    "--model",
                    "model_epoch_1.pth",
                    "--output_filename",
                    "out.png",
                ],
            ),
        ],
        "pass",
        _bsds,
    ),
    Program(
        "fast_neural_style",
        "fast_neural_style",
        [
            (
                "neural_style/neural_style.py",
                ["eval", "--content-image", "content.jpg", "--model", "style.pth", "--output-image", "out.jpg"],
            )
        ],
        "pass",
        _neural_style,
    ),
    Program("gcn", "gcn", [("main.py", ["--epochs", "1", "--dry-run"])], "pass", _cora),
    Program("gat", "gat", [("main.py", ["--epochs", "1", "--dry-run"])], "pass", _cora),
]
BY_NAME = {p.name: p for p in PROGRAMS}


def _cmd(engine, argv):
    if engine == "torch":
        return [sys.executable, *argv]
    return [sys.executable, "-m", "torchlet.compat", *argv]


def _env(engine, cwd, work=None):
    env = dict(os.environ)
    # block-buffered stdout: each process writes its lines whole, so the lines of mnist_hogwild's
    # training processes cannot interleave mid-line (print writes text and "\n" separately)
    env.pop("PYTHONUNBUFFERED", None)
    paths = [STUBS] + ([SRC] if engine == "torchlet" else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        CUDA_VISIBLE_DEVICES="",
        PYTHONHASHSEED="0",
        TORCHLET_EXAMPLES_FILES=work or cwd,
        PYTHONWARNINGS="ignore",
    )
    return env


def run(program, engine, work, timeout=300):
    """Run every command of `program` on `engine` in a fresh copy under `work`;
    returns (returncode, stdout, stderr) of the commands together."""
    prog = os.path.join(work, program.directory)
    shutil.copytree(os.path.join(PROGRAMS_DIR, program.directory), prog)
    if program.setup:
        program.setup(work, prog, engine)
    out, err, rc = [], [], 0
    for i, (script, args) in enumerate(program.commands):
        p = subprocess.run(
            _cmd(engine, [script, *args]),
            cwd=prog,
            env=_env(engine, prog, work),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out.append(p.stdout)
        err.append(p.stderr)
        rc = p.returncode
        if rc:
            break
    text = "".join(out).replace(os.path.realpath(work), "<work>").replace(work, "<work>")
    return rc, text, "".join(err)


def _exception_class(stderr):
    """The class name of the last exception a traceback in `stderr` reports."""
    names = re.findall(r"^([\w.]+(?:Error|Exception|Interrupt|Exit))(?::|$)", stderr, re.M)
    return names[-1].rsplit(".", 1)[-1] if names else None


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")


def shape(text):
    """The printed lines with every number replaced by N (trailing spaces dropped)."""
    return [_NUMBER.sub("N", ln).rstrip() for ln in text.splitlines()]


def compare(name, timeout=300):
    """(ok, report) for one program: both engines run; same line shapes."""
    program = BY_NAME[name]
    from concurrent.futures import ThreadPoolExecutor

    def timed(engine, work):
        t0 = time.time()
        return run(program, engine, work, timeout) + (time.time() - t0,)

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        with ThreadPoolExecutor(2) as pool:  # both engines at once: the suite's time is the slower one
            theirs, ours = pool.submit(timed, "torch", a), pool.submit(timed, "torchlet", b)
            trc, tout, terr, tt = theirs.result()
            lrc, lout, lerr, lt = ours.result()
    timing = f"torch {tt:.1f}s, torchlet {lt:.1f}s"
    if program.pytorch_fails:
        last = [_exception_class(terr), _exception_class(lerr)]
        if trc == 0 or program.pytorch_fails not in terr:
            return False, (
                f"{name}: PyTorch was expected to fail with {program.pytorch_fails} (rc {trc}):\n{terr[-2000:]}"
            )
        if lrc == 0 or last[0] != last[1]:
            return False, f"{name}: torchlet should fail as PyTorch does ({last}):\n{lerr[-3000:]}"
        if shape(tout) != shape(lout):
            return False, f"{name}: printed lines before the error differ:\n{tout}\n---\n{lout}"
        return True, f"{name}: fails as PyTorch does with {last[0]} after the same {len(shape(tout))} lines ({timing})"
    if trc != 0:
        return False, f"{name}: PyTorch's own run failed (rc {trc}):\n{terr[-3000:]}"
    if lrc != 0:
        return False, f"{name}: torchlet run failed (rc {lrc}, {timing}):\n{lerr[-3000:]}\n--- stdout:\n{lout[-2000:]}"
    ts, ls = shape(tout), shape(lout)
    if ts != ls:
        import difflib

        diff = "\n".join(difflib.unified_diff(ts, ls, "pytorch", "torchlet", lineterm="", n=1))
        return False, f"{name}: printed lines differ ({timing}):\n{diff[:4000]}"
    return True, f"{name}: same {len(ts)} lines ({timing})"


def main(argv):
    names = argv or [p.name for p in PROGRAMS]
    for n in names:
        ok, report = compare(n)
        status = BY_NAME[n].status
        print(
            ("PASS " if ok else "FAIL ")
            + f"[status: {status if status == 'pass' else 'missing'}] "
            + (report if not ok or argv else report.split("\n")[0]),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
