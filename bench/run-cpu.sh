#!/usr/bin/env bash
# Issue 3's CPU benchmark: installs OpenBLAS (the baseline), builds, and runs
# matmul 1024^3 (OpenBLAS vs Sinter at 1 and 2 threads), the GELU MLP and the
# small GPT. Usage: bench/run-cpu.sh [rounds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh" --bench
build="${SINTER_BUILD_DIR:-$root/build}"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
ninja -C "$build" sinter-bench-cpu
# Debian's OpenBLAS cannot identify this CPU inside a KVM guest and falls back
# to its generic "Prescott" kernels (a third of its real speed); name the
# core its AVX-512 kernels are for so the baseline is a fair one.
if grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-SkylakeX}"
elif grep -qw avx2 /proc/cpuinfo; then
  export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
fi
# The baseline runs on one thread; OpenBLAS's idle worker threads would
# otherwise keep spinning on the second core while Sinter's 2-thread case
# runs right after it.
export OPENBLAS_NUM_THREADS=1
"$build/bin/sinter-bench-cpu" "${1:-30}"
