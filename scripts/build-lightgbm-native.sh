#!/usr/bin/env bash
# Builds the native LightGBM command-line program (`lightgbm`, with OpenMP) from the same C++ source as
# scripts/build-lightgbm-wasm.sh (lightgbm@1.0.27's dependencies/LightGBM, LightGBM 4.1.0.99), for bench/lightgbm.ts
# only: users and CI never run it. Needs cmake and g++ (with libgomp). Idempotent: skips the build when the binary
# exists. Prints the binary's path on its last line.
set -euo pipefail
work=${LIGHTGBM_BUILD_DIR:-"${TMPDIR:-/tmp}/genre-lens-lightgbm-build"}      # the npm-pack cache, shared with wasm
build=${LIGHTGBM_NATIVE_DIR:-"${TMPDIR:-/tmp}/genre-lens-lightgbm-native"}    # cmake's build tree
bin="$build/bin/lightgbm"
if [ ! -x "$bin" ]; then
  mkdir -p "$work" "$build"
  if [ ! -d "$work/package/dependencies/LightGBM" ]; then
    (cd "$work" && npm pack --silent lightgbm@1.0.27 >/dev/null && tar xzf lightgbm-1.0.27.tgz)
  fi
  src="$work/package/dependencies/LightGBM"
  # LightGBM's CMakeLists writes its outputs into the source tree (EXECUTABLE_OUTPUT_PATH): the *_OUTPUT_DIRECTORY
  # variables take precedence, which keeps the shared source cache clean.
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DUSE_OPENMP=ON -DBUILD_CLI=ON \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$build/bin" -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$build/bin" \
    -DCMAKE_ARCHIVE_OUTPUT_DIRECTORY="$build/bin" >&2
  make -C "$build" -j2 lightgbm >&2
fi
echo "$bin"
