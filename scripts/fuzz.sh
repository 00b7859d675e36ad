#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer: builds the fuzz targets of
# test/fuzz/ with clang-19 and -fsanitize=fuzzer,address,undefined into
# build-fuzz/ (the whole compiler is instrumented, so guidance reaches the
# parser's callers, the verifiers and every pass), then runs each target.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default: 60 s each, all targets
#
# Targets: compile (parser + verifier + sinter-cpu-pipeline on mutated IR;
# seeds: test/fuzz/corpus/compile and the lit tests cut at `// -----`), elf (the
# runtime's artifact check on arbitrary bytes), npy (the .npy reader).
# Corpora grow in build-fuzz/corpus/<target>; crashes land in
# build-fuzz/crashes/<target>/ and each must become a regression input in
# test/fuzz/corpus/<target>/ (run by ctest -L fuzz).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(compile elf npy)

"$root/scripts/install-deps.sh"
# libFuzzer and the sanitizer runtimes of clang-19.
if ! dpkg -s libclang-rt-19-dev >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y --no-install-recommends libclang-rt-19-dev
fi
flags="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DSINTER_LIBFUZZER=ON
fi
ninja -C "$build" $(printf 'sinter-fuzz-%s ' "${targets[@]}")

# libMLIR is not instrumented (see check-sanitizers.sh).
export ASAN_OPTIONS="detect_container_overflow=0:allow_user_poisoning=0"
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  seeds=("$root/test/fuzz/corpus/$t")
  if [ "$t" = compile ]; then
    # The lit tests, one file per `// -----` case.
    split="$build/corpus/lit-cases"
    mkdir -p "$split"
    for f in "$root"/test/Dialect/sinter/*.mlir "$root"/test/Transforms/*.mlir \
             "$root"/test/Conversion/*/*.mlir "$root"/test/Pipelines/*.mlir; do
      awk -v out="$split/$(basename "$f" .mlir)" \
        '/^\/\/ -----$/ { n++; next } { print > (out "-" n ".mlir") }' "$f"
    done
    seeds+=("$split")
  fi
  echo "== $t: ${seconds}s"
  # The full log goes to build-fuzz/<target>.log; the summary lines here.
  status=0
  "$build/bin/sinter-fuzz-$t" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=4096 -artifact_prefix="$crashes/" -print_final_stats=1 \
    "$corpus" "${seeds[@]}" > "$build/$t.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::new_units_added|INFO: seed corpus|==[0-9]+==ERROR|SUMMARY)" "$build/$t.log"
  echo "   exit $status; corpus: $(ls "$corpus" | wc -l) inputs; crashes: $(ls "$crashes" | wc -l)"
  [ "$status" -ne 0 ] && failed=1
done
exit "${failed:-0}"
