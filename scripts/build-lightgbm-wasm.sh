#!/usr/bin/env bash
# Compiles LightGBM (the C++ source shipped inside the npm tarball lightgbm@1.0.27, MIT) to WebAssembly with
# Debian's emscripten, writing server/engine/lightgbm/lib_lightgbm.{js,wasm}, which the project commits.
# Needs: apt-get install emscripten (3.1.6). Users and CI never run this; it is deterministic (byte-identical output).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/server/engine/lightgbm"
work=${LIGHTGBM_BUILD_DIR:-"${TMPDIR:-/tmp}/genre-lens-lightgbm-build"}
mkdir -p "$work"
if [ ! -d "$work/package/dependencies/LightGBM" ]; then
  (cd "$work" && npm pack --silent lightgbm@1.0.27 >/dev/null && tar xzf lightgbm-1.0.27.tgz)
fi
src="$work/package/dependencies/LightGBM"
export NODE_PATH=/usr/share/nodejs   # Debian's em++ finds acorn there
flags=(-O3 -fwasm-exceptions -msimd128 -std=c++17 -DEIGEN_MPL2_ONLY -DEIGEN_DONT_PARALLELIZE -DUSE_SOCKET
       -I"$src/include" -I"$src/external_libs/eigen" -I"$src/external_libs/fast_double_parser/include"
       -I"$src/external_libs/fmt/include" -Wno-everything
       -ffile-prefix-map="$src"=LightGBM)   # __FILE__ in LightGBM's checks: no build path in the binary
obj="$work/obj-$(printf '%s\n' "${flags[@]}" | sed "s|$work|WORK|g" | sha256sum | cut -c1-12)"   # new flags, new objects
mkdir -p "$obj"
# LightGBM's CMake adds -pthread, so compile the sources directly: every .cpp except CUDA, MPI and the CLI's main.
mapfile -t files < <(cd "$src" && find src -name '*.cpp' -not -path '*/cuda/*' -not -name main.cpp \
                        -not -name linkers_mpi.cpp | LC_ALL=C sort)
echo "compiling ${#files[@]} files"
printf '%s\n' "${flags[@]}" > "$obj/flags.rsp"
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  'o="$1/$(echo "$2" | tr / _).o"; [ -f "$o" ] || em++ @"$1/flags.rsp" -c "$0/$2" -o "$o"' "$src" "$obj" {}
exports='["_malloc","_free","_LGBM_GetLastError","_LGBM_DatasetCreateFromMat","_LGBM_DatasetSetField","_LGBM_DatasetGetNumData","_LGBM_DatasetGetNumFeature","_LGBM_DatasetFree","_LGBM_BoosterCreate","_LGBM_BoosterAddValidData","_LGBM_BoosterUpdateOneIter","_LGBM_BoosterRollbackOneIter","_LGBM_BoosterGetCurrentIteration","_LGBM_BoosterGetEvalCounts","_LGBM_BoosterGetEval","_LGBM_BoosterSaveModelToString","_LGBM_BoosterLoadModelFromString","_LGBM_BoosterGetNumFeature","_LGBM_BoosterCalcNumPredict","_LGBM_BoosterPredictForMat","_LGBM_BoosterFeatureImportance","_LGBM_BoosterFree"]'
objs=()
for f in "${files[@]}"; do objs+=("$obj/$(echo "$f" | tr / _).o"); done
em++ -O3 -fwasm-exceptions -msimd128 "${objs[@]}" -o "$out/lib_lightgbm.js" \
  -sMODULARIZE -sEXPORT_NAME=createLightGBM -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH -sMAXIMUM_MEMORY=4GB \
  -sWASM_BIGINT -sEXPORTED_FUNCTIONS="$exports" \
  -sEXPORTED_RUNTIME_METHODS='["UTF8ToString","stringToUTF8","lengthBytesUTF8"]'
ls -l "$out"/lib_lightgbm.*
sha256sum "$out"/lib_lightgbm.*
