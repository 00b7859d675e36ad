#!/usr/bin/env bash
# Installs what is missing, builds, then runs the main job: build the default
# model (a small GPT with deterministic weights), compile it ahead of time for
# this CPU into a shared object, run it through the runtime, check it against
# the reference interpreter and print its latency, size and workspace.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build="${SINTER_BUILD_DIR:-$root/build}"
model="$build/default-model"

echo "== build the model (graph builder)"
"$build/bin/sinter-model" --model=gpt -o "$model.mlir" "$@"

echo "== compile it ahead of time (sinter-compile)"
start=$(date +%s%N)
"$build/bin/sinter-compile" "$model.mlir" -o "$model.so"
end=$(date +%s%N)
echo "compiled $model.so in $(((end - start) / 1000000)) ms:" \
  "$(stat -c %s "$model.so") bytes"

echo "== run it, check it against the reference interpreter, time it"
"$build/bin/sinter-run" "$model.so" --check --mlir "$model.mlir" --bench 100
