#!/usr/bin/env bash
# Installs what Sinter needs to build and test on Debian 12, and nothing when all
# of it is already present. Safe to run repeatedly. With --bench it also
# installs the baselines the benchmark harness compares against (OpenBLAS,
# oneDNN) and what it needs to create its venv of peers (bench/setup-venv.sh).
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache g++ pkg-config
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools clang-19 clang-format-19
  libabsl-dev libgtest-dev libgmock-dev
  python3 python3-numpy
)
if [ "${1:-}" = "--bench" ]; then
  PACKAGES+=(libopenblas-dev libdnnl-dev python3-venv)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
