#!/usr/bin/env bash
# Configures (once) and builds Sinter into build/ with Ninja (and ccache when
# present). Used by run.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SINTER_BUILD_DIR:-$root/build}"
# Paths under the checkout hash relative to the build folder, so a second
# checkout (a clean clone, a worktree) reuses the first one's ccache entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$build"
