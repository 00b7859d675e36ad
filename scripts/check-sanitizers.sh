#!/usr/bin/env bash
# Sanitizer runs, not part of ./test.sh (each builds its own tree on 2 cores).
#
#   scripts/check-sanitizers.sh          ASan + UBSan in Debug (which also turns
#                                        on the assertions in LLVM/MLIR's inline
#                                        headers) into build-asan/, every test
#                                        (~5 minutes)
#   scripts/check-sanitizers.sh --tsan   ThreadSanitizer into build-tsan/: the
#                                        runtime (thread pool, contexts on
#                                        several threads, the CUDA runtime on
#                                        the fake driver) and the threaded
#                                        end-to-end tests
#
# Further arguments go to ctest (e.g. -R Runtime).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=asan
if [ "${1:-}" = "--tsan" ]; then
  mode=tsan
  shift
fi

if [ "$mode" = tsan ]; then
  build="$root/build-tsan"
  flags="-O1 -g -fsanitize=thread -fno-omit-frame-pointer"
  link="-fsanitize=thread"
else
  build="$root/build-asan"
  flags="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
  link="-fsanitize=address,undefined"
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE="$([ "$mode" = tsan ] && echo RelWithDebInfo || echo Debug)" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$link" \
    -DCMAKE_SHARED_LINKER_FLAGS="$link"
fi
cd "$build"

if [ "$mode" = tsan ]; then
  # What runs on several threads: the runtime's pool and per-thread
  # contexts, and the end-to-end tests, which run every model on a pool of 2
  # (ModelThreads: four threads, one context each). halt_on_error makes a
  # race fail the test that found it; the compiled kernels themselves are
  # not instrumented (generated code), their callers and the pool are.
  ninja SinterRuntimeTests SinterRuntimeCudaTests SinterE2EModelsTests \
    SinterE2EFusionTests
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
  ctest --output-on-failure --no-tests=error -j"$(nproc)" \
    -R '^(RuntimeTest|RuntimeThreadPoolTest|Cuda|ModelThreads|Models/|Attention/|FlashAttention)' "$@"
  exit 0
fi

ninja
# libMLIR is not instrumented: LLVM's allocators poison memory from our
# (instrumented) template instances that libMLIR's uninstrumented copies then
# touch, and std containers cross the boundary; both give false reports.
export ASAN_OPTIONS="detect_container_overflow=0:allow_user_poisoning=0"
# The benchmark harness tests load the (instrumented) runtime into Python
# through ctypes, where the ASan runtime cannot come first; they run
# uninstrumented in ./test.sh. The emulated-GPU tests switch stacks with
# swapcontext, which ASan does not follow (false stack reports); the kernels
# they run are generated code, which ASan does not instrument anyway.
ctest --output-on-failure --no-tests=error -j"$(nproc)" -E '^(bench-harness|emugpu\.)' "$@"
