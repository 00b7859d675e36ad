#!/usr/bin/env bash
# Formats the C++ files given (default: those changed against HEAD) with
# clang-format-19, which understands the InsertBraces option .clang-format
# uses (Debian's default clang-format 14 does not).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <( (git diff --name-only HEAD; git ls-files --others --exclude-standard) \
    | grep -E '\.(cpp|h)$' | sort -u)
fi
[ ${#files[@]} -eq 0 ] && exit 0
exec /usr/lib/llvm-19/bin/clang-format -i "${files[@]}"
