#!/usr/bin/env bash
# Carry on with a scipy component build that stopped (or is still to finish) without starting
# over: runs components/scipy.sh with the environment python-wasm/openedx/build.sh gives a
# component, on the existing build directory, with SCIPY_CONTINUE=1 (ninja resumes; then
# install and collect). build.sh itself empties a component's work directory whenever the
# component has no current stamp, which costs the whole compile (hours on 2 shared cores).
#
# Usage: nice -n 19 python-wasm/openedx/components/scipy/continue.sh   (JOBS=2 by default)
# Needs: the components scipy needs (openblas cxxrt numpy numpy-native) built in the same
# build directory, and a configured $B/components/scipy/work/build. On success it writes the
# stamp build.sh would (lib.sh component_key), so build.sh then only links.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)                 # python-wasm/openedx/components/scipy
OPENEDX=$(cd "$HERE/../.." && pwd)
REPO=$(cd "$OPENEDX/../.." && pwd)
BASE=${CJW_BUILD_DIR:-/var/tmp/codejail-wasm-build}
B=${CJW_OPENEDX_BUILD_DIR:-/var/tmp/codejail-wasm-openedx-build}
SYSROOT=$BASE/sysroot
PY_SRC=$(ls -d "$BASE"/src-python3.11/python3.11-*/ | head -1); PY_SRC=${PY_SRC%/}
dir=$B/components/scipy
source "$OPENEDX/lib.sh"
[ -f "$dir/work/build/build.ninja" ] || { echo "no configured scipy build in $dir/work/build: run python-wasm/openedx/build.sh" >&2; exit 1; }
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC PYTHONHASHSEED=0
rm -f "$dir/stamp"
mkdir -p "$dir/out"
env SCIPY_CONTINUE=1 COMPONENT=scipy COMPONENT_DIR="$HERE" OPENEDX_LIB="$OPENEDX/lib.sh" \
  BASE="$BASE" PY_SRC="$PY_SRC" PY_WASI="$BASE/build-wasi" NATIVE_PY="$BASE/build-native/python" \
  SYSROOT="$SYSROOT" DEPS="$BASE/deps" CCW="clang-19 --target=wasm32-wasi --sysroot=$SYSROOT" \
  CXXW="clang++-19 --target=wasm32-wasi --sysroot=$SYSROOT" \
  PREFIX_MAP="-ffile-prefix-map=$B=/build/openedx -ffile-prefix-map=$BASE=/build -ffile-prefix-map=$REPO=/src" \
  JOBS="${JOBS:-2}" VENDOR="${VENDOR:-$(cd "$REPO/.." && pwd)/shared/vendor}" REPO="$REPO" COMPONENTS="$B/components" \
  OUT="$dir/out" WORK="$dir/work" bash "$OPENEDX/components/scipy.sh" 2>&1 | tee -a "$dir/build.log"
for f in link.txt inittab.txt buildinfo.txt; do
  [ -f "$dir/out/$f" ] || die "the scipy component made no $f"
done
component_key "$OPENEDX" "$B" "$(headers_key "$BASE/build-wasi" "$PY_SRC")" scipy > "$dir/stamp"
