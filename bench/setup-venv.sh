#!/usr/bin/env bash
# Creates bench/.venv with the peers in bench/requirements.txt (from the Python
# package index); with --gpu, also requirements-gpu.txt (JAX's CUDA plugin).
# Does nothing when the venv already matches the files.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$bench/.venv"
files=("$bench/requirements.txt")
[ "${1:-}" = "--gpu" ] && files+=("$bench/requirements-gpu.txt")
stamp="$venv/.requirements${1:+-gpu}.sha256"
want="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python="${SINTER_BENCH_PYTHON:-python3}"
echo "bench: installing the peers into $venv with $($python --version) (a few minutes the first time)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
for f in "${files[@]}"; do
  "$venv/bin/python" -m pip install --quiet -r "$f"
done
echo "$want" > "$stamp"
