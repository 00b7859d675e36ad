#!/usr/bin/env bash
# Builds the unit tests and tools with ASan + UBSan in Debug (which also turns
# on the assertions in LLVM/MLIR's inline headers) into build-asan/, and runs
# every test there. Not part of ./test.sh: it takes ~5 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-asan"
flags="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
fi
ninja -C "$build"
# libMLIR is not instrumented: LLVM's allocators poison memory from our
# (instrumented) template instances that libMLIR's uninstrumented copies then
# touch, and std containers cross the boundary; both give false reports.
export ASAN_OPTIONS="detect_container_overflow=0:allow_user_poisoning=0"
cd "$build"
# The benchmark harness tests load the (instrumented) runtime into Python
# through ctypes, where the ASan runtime cannot come first; they run
# uninstrumented in ./test.sh. The emulated-GPU tests switch stacks with
# swapcontext, which ASan does not follow (false stack reports); the kernels
# they run are generated code, which ASan does not instrument anyway.
ctest --output-on-failure --no-tests=error -j"$(nproc)" -E '^(bench-harness|emugpu\.)' "$@"
