#!/usr/bin/env bash
# Builds the numpy variant of the codejail-wasm runtime: Debian's numpy 1.24.2 (1:1.24.2-1+deb12u1)
# cross-compiled for wasm32-wasi and linked statically into our CPython 3.11.2 reactor.
#
# Usage: python-wasm/numpy/build.sh        (as root on Debian bookworm; installs what it needs)
#        python-wasm/numpy/build.sh --postlink-only   (re-runs only the post-link pipeline,
#        python-wasm/scripts/postlink.mjs, and the manifest, on the reactor(s) a full build linked)
#   CLEAN=1   start from an empty numpy build directory (the base runtime build is kept)
#   JOBS=n    parallel compile jobs (default: nproc)
#
# Inputs: the vendored sources in ../shared/vendor (or $NUMPY_VENDOR_DIR), checked against their
# SHA256SUMS; python-wasm/numpy/patches (our wasm patches, applied after Debian's quilt series);
# the base runtime build in /var/tmp/codejail-wasm-build (python-wasm/scripts/build.sh, run first
# when its outputs are missing).
# Outputs (python-wasm/numpy/dist/): python-numpy.wasm (fuel-instrumented reactor),
# python-numpy-nofuel.wasm, numpy.zip (pyc-only), BUILDINFO, SHA256SUMS.
set -euo pipefail
# The whole script is one function, read before anything runs: editing this file while a
# build is running cannot change what that build does.
main() {

HERE=$(cd "$(dirname "$0")" && pwd)          # python-wasm/numpy
PYWASM=$(cd "$HERE/.." && pwd)               # python-wasm
REPO=$(cd "$PYWASM/.." && pwd)
BASE=${CJW_BUILD_DIR:-/var/tmp/codejail-wasm-build}
NB=${CJW_NUMPY_BUILD_DIR:-/var/tmp/codejail-wasm-numpy-build}
DIST=${CJW_NUMPY_DIST_DIR:-$HERE/dist}
VENDOR=${NUMPY_VENDOR_DIR:-$(cd "$REPO/.." && pwd)/shared/vendor}
JOBS=${JOBS:-$(nproc)}
OPT=${NUMPY_OPT:--Os}
NUMPY_TARBALL=numpy-1.24.2.tar.xz
DEBIAN_TARBALL=numpy_1.24.2-1+deb12u1.debian.tar.xz
DEBIAN_VERSION=1:1.24.2-1+deb12u1
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC PYTHONHASHSEED=0
log() { printf '[numpy %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

[ "${CLEAN:-0}" = 1 ] && rm -rf "$NB"
STAMP=$NB/stamps
mkdir -p "$NB" "$STAMP" "$DIST"
done_() { [ -f "$STAMP/$1" ]; }
mark() { touch "$STAMP/$1"; }

# 0. Debian packages on top of the base runtime's toolchain.
PKGS="cython3 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 quilt xz-utils python3 python3-dev python3-setuptools build-essential"
missing=$(for p in $PKGS; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  log "apt-get install $missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# As in scripts/build.sh: npm's binaryen package puts a wasm-opt in node_modules/.bin.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
if command -v wasm-opt >/dev/null; then
  echo "wasm-opt is on PATH ($(command -v wasm-opt)): clang would run it after linking and change the" >&2
  echo "output. Remove Debian's binaryen (apt-get remove binaryen) for a reproducible build." >&2
  exit 1
fi

# 1. The base runtime build (CPython 3.11.2 for wasm32-wasi, its native twin, zlib/bz2/lzma).
need_base() {
  for f in stamps/cross-configure stamps/deps stamps/native sysroot build-native/python build-wasi/libpython3.11.a \
           build-wasi/Modules/_decimal/libmpdec/libmpdec.a build-wasi/Modules/expat/libexpat.a \
           deps/lib/libz.a deps/lib/libbz2.a deps/lib/liblzma.a; do
    [ -e "$BASE/$f" ] || return 0
  done
  [ -f "$PYWASM/dist/python311.zip" ] || return 0
  return 1
}
if need_base; then
  log "base runtime outputs missing: running python-wasm/scripts/build.sh"
  bash "$PYWASM/scripts/build.sh"
fi
SYSROOT=$BASE/sysroot
PY_SRC=$(ls -d "$BASE"/src-python3.11/python3.11-*/ | head -1); PY_SRC=${PY_SRC%/}
PY_WASI=$BASE/build-wasi
NATIVE_PY=$BASE/build-native/python
DEPS=$BASE/deps
PREFIX_MAP="-ffile-prefix-map=$NB=/build/numpy -ffile-prefix-map=$BASE=/build -ffile-prefix-map=$REPO=/src"
OUT=$NB/out

# The post-link pipeline and the provenance manifest: the last steps of a build, and all of
# --postlink-only.
postlink() {
  [ -d "$REPO/node_modules/binaryen" ] || (cd "$REPO" && npm ci --no-audit --no-fund)
  log "post-link pipeline (fuel, store barrier)"
  node "$PYWASM/scripts/postlink.mjs" "$OUT/reactor-numpy.stripped.wasm" \
    "$DIST/python-numpy.wasm" "$DIST/python-numpy-nofuel.wasm"
  # The test-suite variant (not shipped; test/numpy/suite.test.ts runs it when present).
  if [ -f "$OUT/reactor-numpy-tests.wasm" ]; then
    node "$PYWASM/scripts/postlink.mjs" "$OUT/reactor-numpy-tests.wasm" \
      "$OUT/python-numpy-tests.wasm" "$OUT/python-numpy-tests-nofuel.wasm"
  fi
}
provenance() {
  {
    echo "numpy-source: numpy $DEBIAN_VERSION ($NUMPY_TARBALL + $DEBIAN_TARBALL, quilt series)"
    echo "numpy-source-sha256: $(cd "$VENDOR" && sha256sum "$NUMPY_TARBALL" "$DEBIAN_TARBALL" | awk '{printf "%s %s; ", $2, $1}')"
    echo "wasm-patches: $(grep -v '^#' "$HERE/patches/series" | tr '\n' ' ')"
    echo "numpy-cflags: $OPT, --cpu-baseline=none --cpu-dispatch=none, no BLAS (lapack_lite)"
    echo "base-runtime: $(grep -E '^(cpython|zlib|bzip2|xz)-source' "$PYWASM/dist/BUILDINFO" | tr '\n' ';')"
    echo "base-inputs-sha256: libpython3.11.a $(sha256sum < "$PY_WASI/libpython3.11.a" | cut -c1-64); cjentry.c $(sha256sum < "$PYWASM/src/cjentry.c" | cut -c1-64); python311.zip $(sha256sum < "$PYWASM/dist/python311.zip" | cut -c1-64)"
    echo "clang: $(dpkg-query -W -f='${Version}' clang-19)"
    echo "wasi-libc: $(dpkg-query -W -f='${Version}' wasi-libc)"
    echo "libc++: $(dpkg-query -W -f='${Version}' libc++-19-dev-wasm32)"
    echo "cython3: $(dpkg-query -W -f='${Version}' cython3)"
    echo "binaryen.js: $(node -p "require('$REPO/node_modules/binaryen/package.json').version")"
    echo "post-link: python-wasm/scripts/postlink.mjs (fuel; store barrier, 4 KiB chunks)"
  } > "$DIST/BUILDINFO"
  (cd "$DIST" && sha256sum python-numpy.wasm python-numpy-nofuel.wasm numpy.zip BUILDINFO > SHA256SUMS)
  log "done"; ls -l "$DIST"; cat "$DIST/SHA256SUMS"
}
if [ "${1:-}" = --postlink-only ]; then
  [ -f "$OUT/reactor-numpy.stripped.wasm" ] && [ -f "$DIST/numpy.zip" ] \
    || { echo "no linked numpy reactor in $OUT: run a full build first" >&2; exit 1; }
  postlink
  provenance
  exit 0
fi

# 2. Sources: verify the vendored tarballs, unpack, Debian's quilt series, then our patches.
SRC=$NB/numpy-1.24.2
if ! done_ source; then
  log "verify and unpack $NUMPY_TARBALL + $DEBIAN_TARBALL"
  sums=$(grep -F -e "  $NUMPY_TARBALL" -e "  $DEBIAN_TARBALL" "$VENDOR/SHA256SUMS")
  [ "$(printf '%s\n' "$sums" | wc -l)" = 2 ] || { echo "SHA256SUMS lacks the numpy tarballs" >&2; exit 1; }
  (cd "$VENDOR" && printf '%s\n' "$sums" | sha256sum -c --strict -) \
    || { echo "vendored numpy sources do not match $VENDOR/SHA256SUMS" >&2; exit 1; }
  rm -rf "$SRC"
  tar -xJf "$VENDOR/$NUMPY_TARBALL" -C "$NB"
  tar -xJf "$VENDOR/$DEBIAN_TARBALL" -C "$SRC"
  (cd "$SRC" && QUILT_PATCHES=debian/patches QUILT_PC=.pc-debian quilt push -a -q >/dev/null)
  while read -r p; do
    case "$p" in ''|'#'*) continue;; esac
    (cd "$SRC" && patch -p1 -s --no-backup-if-mismatch < "$HERE/patches/$p")
  done < "$HERE/patches/series"
  mark source
fi

# 3. Generated sources, produced natively: .src templates, API/ufunc code generators and the
#    Cython C of numpy.random (Debian's python3 3.11.2 and cython3 0.29.32). No BLAS on purpose:
#    linalg uses numpy's bundled lapack_lite, as the wasm build does. Each BLAS numpy.distutils
#    looks for is named None, or one the build machine has installed (libopenblas-dev, for
#    scipy's native reference) is written into numpy/__config__.py and the zip differs.
NATIVE_GEN=$SRC/build/src.linux-x86_64-3.11
if ! done_ build_src; then
  log "setup.py build_src (native)"
  (cd "$SRC" && env NPY_DISABLE_SVML=1 BLAS=None LAPACK=None ATLAS=None OPENBLAS=None \
     /usr/bin/python3 setup.py -q build_src >"$NB/build_src.log" 2>&1) || { tail -30 "$NB/build_src.log"; exit 1; }
  mark build_src
fi
GEN=$NB/gen
if ! done_ gen; then
  /usr/bin/python3 "$HERE/scripts/wasm_gen_tree.py" "$SRC" "$NATIVE_GEN" "$GEN"
  # A C callback whose parameter count differs from CPython's call traps on wasm (see patch 0004).
  /usr/bin/python3 "$HERE/scripts/check_signatures.py" "$SRC" "$GEN"
  mark gen
fi

# 4. Cross-compile numpy's C/C++ for wasm32-wasi.
if ! done_ compile; then
  log "compile numpy for wasm32-wasi ($OPT, $JOBS jobs)"
  rm -rf "$OUT/obj"
  SYSROOT=$SYSROOT PY_SRC=$PY_SRC PY_WASI=$PY_WASI NPSRC=$SRC GEN=$GEN OUT=$OUT OPT=$OPT JOBS=$JOBS \
    PREFIX_MAP="$PREFIX_MAP" /usr/bin/python3 "$HERE/scripts/compile_numpy.py" >"$NB/compile.log" 2>&1 \
    || { grep -v '^ok ' "$NB/compile.log" | tail -60; exit 1; }
  tail -3 "$NB/compile.log"
  mark compile
fi

# 5. Link the reactor: our entry layer (cjentry.c) with numpy's modules in the inittab.
#    Same flags as python-wasm/scripts/build.sh's reactor link, plus numpy's C++ and
#    long double printf/scanf support, except the initial memory: numpy's static data plus the
#    1 MiB stack need 6.26 MB, more than the base runtime's 5 MiB, so the variant starts at 8 MiB.
CCW="clang-19 --target=wasm32-wasi --sysroot=$SYSROOT"
link_reactor() { # out.wasm [extra flags/archives...]
  local out=$1; shift
  $CCW -mexec-model=reactor -O2 $PREFIX_MAP -I"$PY_SRC/Include" -I"$PY_WASI" -I"$HERE/src" \
    -DCJ_EXTRA_BUILTINS='"numpy_builtins.h"' "$@" \
    -o "$out" "$PYWASM/src/cjentry.c" "$OUT/libnumpy_wasm.a" \
    "$PY_WASI/libpython3.11.a" "$PY_WASI/Modules/_decimal/libmpdec/libmpdec.a" "$PY_WASI/Modules/expat/libexpat.a" \
    "$DEPS/lib/libz.a" "$DEPS/lib/libbz2.a" "$DEPS/lib/liblzma.a" \
    -lwasi-emulated-signal -lwasi-emulated-getpid -lwasi-emulated-process-clocks -lm \
    -lc-printscan-long-double -lc++ -lc++abi \
    -z stack-size=1048576 -Wl,--stack-first -Wl,--initial-memory=8388608 \
    -Wl,--max-memory=4294967296 -Wl,--export=__heap_base
}
log "link the numpy reactor"
link_reactor "$OUT/reactor-numpy.wasm"
llvm-strip-19 -o "$OUT/reactor-numpy.stripped.wasm" "$OUT/reactor-numpy.wasm"
# Test-suite variant (not shipped): also registers numpy.core's test-only extension modules.
link_reactor "$OUT/reactor-numpy-tests.wasm" -DCJ_NUMPY_TEST_MODULES "$OUT/libnumpy_wasm_tests.a"
llvm-strip-19 "$OUT/reactor-numpy-tests.wasm"

# 6. The post-link pipeline (deterministic fuel, store barrier), as for the base runtime.
postlink

# 7. numpy's Python part: pyc-only zip, compiled by the runtime's native build python.
log "numpy.zip"
"$NATIVE_PY" -E -I "$HERE/scripts/mknumpyzip.py" "$SRC" "$NATIVE_GEN" "$DIST/numpy.zip"

# 8. Provenance and checksums.
provenance
}
main "$@"
