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
#   bench/run.sh --gpu      Sinter on a CUDA device (fused and --fusion=none) against
#                           jax, torch eager/SDPA and torch.compile there.
#                           SINTER_BENCH_PYTHON=<python with CUDA torch and jax>
#                           uses that Python instead of bench/.venv, and installs
#                           no Debian packages (a provisioned machine).
#   bench/run.sh --training [ARGS]
#                           a whole training step (forward, backward, AdamW)
#                           of the small GPT and the GPT-2 block against
#                           torch eager, torch.compile and JAX; ARGS go to
#                           bench/training_step.py (--workloads, --threads,
#                           --systems, --steps, --json)
#   bench/run.sh --compile-time [ARGS]
#                           compile time against graph size (1k, 4k, 16k ops:
#                           a chain, the chain unfused, a wide signature);
#                           ARGS go to bench/compile_time.py (--baseline OLD,
#                           --sizes, --repeat, --extra --target=nvptx)
# Other arguments go to `python -m sinterbench all`, e.g.
#   bench/run.sh --workloads matmul_1024_f32 --systems sinter xla --threads 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SINTER_BUILD_DIR:-$root/build}"
mode=cpu
if [ "${1:-}" = --compile-time ]; then
  shift
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  ninja -C "$build" sinter-compile
  exec /usr/bin/python3 "$root/bench/compile_time.py" \
    --compiler "$build/bin/sinter-compile" "$@"
fi
if [ "${1:-}" = --training ]; then
  shift
  "$root/scripts/install-deps.sh" --bench
  "$root/bench/setup-venv.sh"
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  ninja -C "$build" sinter-model sinter-compile sinter_runtime_shared
  exec "$root/bench/.venv/bin/python" "$root/bench/training_step.py" \
    --build-dir "$build" "$@"
fi
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    --gpu) mode=gpu ;;
  esac
done

if [ "$mode" = gpu ] && [ -n "${SINTER_BENCH_PYTHON:-}" ]; then
  python="$SINTER_BENCH_PYTHON"  # A provisioned GPU machine's Python; no apt.
elif [ "$mode" = gpu ]; then
  # The build's packages, and python3-venv for the venv (--bench).
  "$root/scripts/install-deps.sh" --bench
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
if [ "$mode" != gpu ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  ninja -C "$build" sinter-compile sinter_runtime_shared sinter-limits
elif command -v cmake > /dev/null && command -v ninja > /dev/null &&
     [ -d /usr/lib/llvm-19/lib/cmake/mlir ]; then
  # The GPU build needs no GPU (the CUDA driver is loaded at run time), and no
  # sinter-limits: the device's limits are measured with torch.
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  ninja -C "$build" sinter-compile sinter_runtime_shared
elif [ -x "$build/bin/sinter-compile" ] && [ -f "$build/lib/libsinter_runtime.so" ]; then
  # A provisioned GPU machine without the toolchain, given a build.
  echo "bench: no cmake/ninja/MLIR 19 to build with; using $build as it is"
else
  echo "bench: --gpu needs $build/bin/sinter-compile and $build/lib/libsinter_runtime.so:" \
       "build them (cmake, ninja, LLVM/MLIR 19: scripts/install-deps.sh) or point" \
       "SINTER_BUILD_DIR at a build that has them" >&2
  exit 1
fi
cd "$root/bench"
exec "$python" -m sinterbench all --build-dir "$build" "$@"
