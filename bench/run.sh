#!/usr/bin/env bash
# The benchmark harness: Sinter side by side with XLA (JAX), PyTorch (eager and
# torch.compile), ONNX Runtime, IREE, OpenBLAS and oneDNN, and against this
# machine's measured limits. Prepares everything (Debian packages, the peers'
# venv, the build), runs the suite and writes bench/results/<date>-<machine>.md
# with its chart (.png) and raw JSON (the folder of the same name).
#
#   bench/run.sh            the whole suite at 1 and 2 threads
#   bench/run.sh --quick    a small subset (a few minutes)
#   bench/run.sh --smoke    one tiny workload, Sinter only (./test.sh runs this)
#   bench/run.sh --gpu      the peers on the GPU: jax, torch eager/SDPA, torch.compile.
#                           SINTER_BENCH_PYTHON=<python with CUDA torch and jax>
#                           uses that Python instead of bench/.venv.
# Other arguments go to `python -m sinterbench all`, e.g.
#   bench/run.sh --workloads matmul_1024_f32 --systems sinter xla --threads 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SINTER_BUILD_DIR:-$root/build}"
mode=cpu
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    --gpu) mode=gpu ;;
  esac
done

if [ "$mode" = gpu ] && [ -n "${SINTER_BENCH_PYTHON:-}" ]; then
  python="$SINTER_BENCH_PYTHON"  # A provisioned GPU machine's Python.
elif [ "$mode" = gpu ]; then
  # No Debian packages: the GPU mode builds nothing of Sinter's yet.
  "$root/bench/setup-venv.sh" --gpu
  python="$root/bench/.venv/bin/python"
elif [ "$mode" = smoke ]; then
  "$root/scripts/install-deps.sh"
  python="${SINTER_BENCH_PYTHON:-/usr/bin/python3}"  # Debian's numpy suffices.
else
  "$root/scripts/install-deps.sh" --bench
  "$root/bench/setup-venv.sh"
  python="$root/bench/.venv/bin/python"
fi
if [ "$mode" != gpu ]; then  # Sinter has no GPU target yet (issue 6).
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  ninja -C "$build" sinter-compile sinter_runtime_shared sinter-limits
fi
cd "$root/bench"
exec "$python" -m sinterbench all --build-dir "$build" "$@"
