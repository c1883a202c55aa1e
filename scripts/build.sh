#!/usr/bin/env bash
# Configures (once) and builds the Release tree with CMake + Ninja (+ ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$BUILD" -j"$(nproc)"
