#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (gtest binaries and the
# lit suite) through ctest. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "${SINTER_BUILD_DIR:-$root/build}"
ctest --output-on-failure --no-tests=error -j"$(nproc)" "$@"
