#!/usr/bin/env bash
# The GPU check, one shot on a machine with an NVIDIA GPU (see tests/gpu/conftest.py):
#   1. CuPy: used when importable (the device image has cupy-cuda13x), else `pip install -e .[cuda]`;
#   2. pytest tests/gpu (torchlet on CUDA against PyTorch on the same GPU);
#   3. benchmarks/bench_gpu.py --json benchmarks/gpu-results.json (ratios to PyTorch).
# Logs and the results also go to $OUT when it is set. Exit status: pytest's, or the benchmark's.
#     bash tests/gpu/run.sh            # PYTHON=... to choose the interpreter (default python3)
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
LOGS=${OUT:-/tmp}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TORCHLET_GPU=1
if ! "$PY" -c "import cupy" 2>/dev/null; then
    "$PY" -m pip install -q -e ".[cuda]" || { echo "run.sh: cannot install the cuda extra"; exit 3; }
fi
"$PY" - <<'PYEOF' 2>&1 | tee "$LOGS/gpu-env.txt"
import cupy, numpy, torch, torchlet
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
print("cupy", cupy.__version__, "numpy", numpy.__version__, "torchlet cuda", torchlet.cuda.is_available())
print(torchlet.cuda.get_device_name(), torchlet.cuda.get_device_capability(), "CUDA runtime", torchlet.version.cuda)
x = torchlet.randn(3, device="cuda")
print("smoke:", x.device, (x * 2).sum().item())
PYEOF
# several workers: a fresh machine compiles each CuPy kernel once (NVRTC), and that dominates
workers=()
"$PY" -c "import xdist" 2>/dev/null && workers=(-n "${GPU_TEST_WORKERS:-8}")
timeout "${GPU_TEST_TIMEOUT:-300}" "$PY" -m pytest tests/gpu -q -rfE -p no:cacheprovider -p no:randomly \
    "${workers[@]}" --timeout 120 --durations 15 -o addopts="" 2>&1 | tee "$LOGS/gpu-pytest.log"
tests=${PIPESTATUS[0]}
timeout "${GPU_BENCH_TIMEOUT:-240}" "$PY" benchmarks/bench_gpu.py --json benchmarks/gpu-results.json 2>&1 \
    | tee "$LOGS/gpu-bench.log"
bench=${PIPESTATUS[0]}
[ -n "${OUT:-}" ] && [ -f benchmarks/gpu-results.json ] && cp benchmarks/gpu-results.json "$OUT/"
echo "run.sh: pytest exit $tests, bench exit $bench"
[ "$tests" -eq 0 ] && exit "$bench"
exit "$tests"
