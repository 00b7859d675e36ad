#!/usr/bin/env bash
# Installs what is missing, builds, then runs the main job: build the default
# model (a small GPT with deterministic weights), print its size, evaluate it
# in the reference interpreter and write its MLIR to build/default-model.mlir.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build="${SINTER_BUILD_DIR:-$root/build}"
"$build/bin/sinter-model" --model=gpt --evaluate -o "$build/default-model.mlir" "$@"
