#!/usr/bin/env bash
# Builds the codejail-wasm runtime from Debian sources with Debian's toolchain.
# Usage: python-wasm/scripts/build.sh   (as root on Debian bookworm; installs what it needs)
# Outputs (python-wasm/dist/): python.wasm (fuel-instrumented reactor), python-nofuel.wasm
# (same module without fuel, for overhead measurements), python311.zip (pyc-only stdlib),
# BUILDINFO and SHA256SUMS.
#
# Every step is stamped, so a re-run continues where it stopped. The build directory
# has a fixed absolute path so that nothing path-dependent differs between machines.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)       # python-wasm/
REPO=$(cd "$HERE/.." && pwd)
BUILD=${CJW_BUILD_DIR:-/var/tmp/codejail-wasm-build}
DIST=${CJW_DIST_DIR:-$HERE/dist}
JOBS=${JOBS:-$(nproc)}
PY_SRC_VERSION=${PY_SRC_VERSION:-3.11.2-6+deb12u8}
ZLIB_SRC_VERSION=${ZLIB_SRC_VERSION:-1:1.2.13.dfsg-1}
BZIP2_SRC_VERSION=${BZIP2_SRC_VERSION:-1.0.8-5}
XZ_SRC_VERSION=${XZ_SRC_VERSION:-5.4.1-1+deb12u1}
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC
STAMP=$BUILD/stamps
mkdir -p "$BUILD" "$STAMP" "$DIST"
log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
done_() { [ -f "$STAMP/$1" ]; }
mark() { touch "$STAMP/$1"; }

# 1. Toolchain and source packages from Debian.
if ! done_ toolchain; then
  log "installing the toolchain with apt"
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null; then
    sed -n '1,/^$/p' /etc/apt/sources.list.d/debian.sources | sed 's/^Types: deb$/Types: deb-src/' \
      | grep -v '^#' > /etc/apt/sources.list.d/zz-codejail-wasm-src.sources
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    clang-19 lld-19 llvm-19 wasi-libc libclang-rt-19-dev-wasm32 dpkg-dev build-essential pkg-config
  mark toolchain
fi
if command -v wasm-opt >/dev/null; then
  # clang's wasm driver would run wasm-opt after linking and change the output.
  echo "wasm-opt is on PATH ($(command -v wasm-opt)); remove Debian's binaryen for a reproducible build" >&2
  exit 1
fi

SYSROOT=$BUILD/sysroot
if ! done_ sysroot; then
  mkdir -p "$SYSROOT/include" "$SYSROOT/lib/pkgconfig"
  ln -sfn /usr/include/wasm32-wasi "$SYSROOT/include/wasm32-wasi"
  ln -sfn /usr/lib/wasm32-wasi "$SYSROOT/lib/wasm32-wasi"
  mark sysroot
fi
PREFIX_MAP="-ffile-prefix-map=$BUILD=/build"
CCW="clang-19 --target=wasm32-wasi --sysroot=$SYSROOT"

fetch_source() { # name version dir
  if ! done_ "src-$1"; then
    log "apt-get source $1=$2"
    rm -rf "$BUILD/src-$1" && mkdir -p "$BUILD/src-$1"
    (cd "$BUILD/src-$1" && apt-get source -q "$1=$2" >/dev/null)
    mark "src-$1"
  fi
}
fetch_source python3.11 "$PY_SRC_VERSION"
fetch_source zlib "$ZLIB_SRC_VERSION"
fetch_source bzip2 "$BZIP2_SRC_VERSION"
fetch_source xz-utils "$XZ_SRC_VERSION"
S=$(ls -d "$BUILD"/src-python3.11/python3.11-*/)
S=${S%/}
# Our source changes (Linux errno numbers at the Python boundary); idempotent.
python3 "$HERE/scripts/patch-cpython.py" "$S" "$HERE/src/cj_errno.h"

# 2. Compression libraries for wasm32 (zlib for zipimport of deflated zips, bz2, lzma).
DEPS=$BUILD/deps
if ! done_ deps; then
  log "building zlib, bzip2, liblzma for wasm32-wasi"
  rm -rf "$DEPS" && mkdir -p "$DEPS/lib" "$DEPS/include"
  (cd "$BUILD"/src-zlib/zlib-*/ && make distclean >/dev/null 2>&1 || true
   CC="$CCW" CFLAGS="-O2 $PREFIX_MAP" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
     ./configure --static --prefix="$DEPS" >/dev/null && make -j"$JOBS" libz.a >/dev/null && make install >/dev/null)
  (cd "$BUILD"/src-bzip2/bzip2-*/ && make clean >/dev/null 2>&1 || true
   make -j"$JOBS" libbz2.a CC="$CCW" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
     CFLAGS="-O2 -D_FILE_OFFSET_BITS=64 $PREFIX_MAP" >/dev/null
   cp libbz2.a "$DEPS/lib/" && cp bzlib.h "$DEPS/include/")
  (cd "$BUILD"/src-xz-utils/xz-utils-*/
   # mythread.h needs sigprocmask, which wasi-libc lacks; we build without threads anyway.
   grep -q '__wasi__' src/common/mythread.h || \
     sed -i 's/^#if !(defined(_WIN32) \&\& !defined(__CYGWIN__))$/& \&\& !defined(__wasi__)/' src/common/mythread.h
   CC="$CCW" CFLAGS="-O2 $PREFIX_MAP" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 ./configure -q \
     --host=wasm32-unknown-wasi --prefix="$DEPS" --enable-static --disable-shared --disable-threads \
     --disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo --disable-lzma-links \
     --disable-scripts --disable-doc --disable-nls >/dev/null
   make -j"$JOBS" -C src/liblzma >/dev/null && make -C src/liblzma install >/dev/null)
  mark deps
fi

# 3. Native CPython of the same version: runs the build's code generators and
#    compiles the stdlib to bytecode with the exact same magic number.
NATIVE=$BUILD/build-native
if ! done_ native; then
  log "native build of CPython (for --with-build-python)"
  rm -rf "$NATIVE" && mkdir -p "$NATIVE"
  (cd "$NATIVE" && "$S/configure" -q >/dev/null && make -j"$JOBS" >/dev/null 2>"$NATIVE/make.log" || true)
  "$NATIVE/python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
  mark native
fi

# 4. Cross build for wasm32-wasi.
WASI=$BUILD/build-wasi
# pymalloc: CPython's configure turns it off for WASI by default, but without it every small
# object goes through four calls into dlmalloc (~20 % of a pure-Python loop's time, measured
# with `node --prof`); natively (and under codejail) CPython always uses it.
# ThinLTO (objects are LLVM bitcode, optimised together at the reactor link): another ~8 %.
# configure cannot find the float word order in a bitcode object, so it is given (wasm32 is
# little-endian). See docs/adr/0001-runtime-cpython-wasi.md.
CROSS_OPTS="--disable-test-modules --with-pymalloc CFLAGS=-flto=thin LDFLAGS=-flto=thin ax_cv_c_float_words_bigendian=no"
if [ "$(cat "$STAMP/cross-configure" 2>/dev/null)" != "$CROSS_OPTS" ]; then
  log "configure CPython for wasm32-wasi"
  rm -rf "$WASI" && mkdir -p "$WASI"
  (cd "$WASI" && CONFIG_SITE="$S/Tools/wasm/config.site-wasm32-wasi" \
    CC="$CCW" CPP="$CCW -E" CXX="clang++-19 --target=wasm32-wasi --sysroot=$SYSROOT" \
    AR=llvm-ar-19 RANLIB=llvm-ranlib-19 READELF=true \
    PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$SYSROOT/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$SYSROOT" \
    "$S/configure" -q -C --host=wasm32-unknown-wasi --build="$("$S/config.guess")" \
      --with-build-python="$NATIVE/python" $CROSS_OPTS >/dev/null)
  cat > "$WASI/Modules/Setup.local" <<SETUP
zlib zlibmodule.c -I$DEPS/include $DEPS/lib/libz.a
_bz2 _bz2module.c -I$DEPS/include $DEPS/lib/libbz2.a
_lzma _lzmamodule.c -I$DEPS/include $DEPS/lib/liblzma.a
SETUP
  echo "$CROSS_OPTS" > "$STAMP/cross-configure"
fi
# make is incremental: it recompiles only what changed (e.g. after patch-cpython.py).
if true; then
  log "make CPython for wasm32-wasi"
  # clang >= 15 makes int-conversion an error; timemodule.c trips it on wasi-libc's CLOCK_* pointers.
  (cd "$WASI" && make -j"$JOBS" EXTRA_CFLAGS="-Wno-error=int-conversion -Wno-error=incompatible-function-pointer-types $PREFIX_MAP" \
     >"$WASI/make.log" 2>&1) || { tail -40 "$WASI/make.log"; exit 1; }
fi

# 5. Link the reactor with our entry layer.
OUT=$BUILD/out
mkdir -p "$OUT"
log "link the reactor"
$CCW -mexec-model=reactor -O2 -flto=thin $PREFIX_MAP -I"$S/Include" -I"$WASI" \
  -o "$OUT/reactor.wasm" "$HERE/src/cjentry.c" \
  "$WASI/libpython3.11.a" "$WASI/Modules/_decimal/libmpdec/libmpdec.a" "$WASI/Modules/expat/libexpat.a" \
  "$DEPS/lib/libz.a" "$DEPS/lib/libbz2.a" "$DEPS/lib/liblzma.a" \
  -lwasi-emulated-signal -lwasi-emulated-getpid -lwasi-emulated-process-clocks -lm \
  -z stack-size=1048576 -Wl,--stack-first -Wl,--initial-memory=5242880 \
  -Wl,--max-memory=4294967296 -Wl,--export=__heap_base
llvm-strip-19 -o "$OUT/reactor.stripped.wasm" "$OUT/reactor.wasm"

# 6. Deterministic fuel (binaryen.js post-link pass).
[ -d "$REPO/node_modules/binaryen" ] || (cd "$REPO" && npm ci --no-audit --no-fund)
log "fuel instrumentation"
node "$HERE/scripts/instrument-fuel.mjs" "$OUT/reactor.stripped.wasm" "$DIST/python.wasm" "$DIST/python-nofuel.wasm"

# 7. pyc-only stdlib zip, compiled by the native build python (same bytecode magic).
log "stdlib zip"
"$NATIVE/python" -E -I "$HERE/scripts/mkstdlib.py" "$S/Lib" \
  "$WASI/build/lib.wasi-wasm32-3.11/_sysconfigdata__wasi_wasm32-wasi.py" "$DIST/python311.zip"

# 8. Provenance and checksums.
{
  echo "cpython-source: python3.11 $PY_SRC_VERSION (apt-get source)"
  echo "zlib-source: zlib $ZLIB_SRC_VERSION"
  echo "bzip2-source: bzip2 $BZIP2_SRC_VERSION"
  echo "xz-source: xz-utils $XZ_SRC_VERSION"
  echo "cpython-configure: $CROSS_OPTS (CPython's -O3; reactor link -O2 -flto=thin)"
  echo "clang: $(dpkg-query -W -f='${Version}' clang-19)"
  echo "wasi-libc: $(dpkg-query -W -f='${Version}' wasi-libc)"
  echo "binaryen.js: $(node -p "require('$REPO/node_modules/binaryen/package.json').version")"
} > "$DIST/BUILDINFO"
(cd "$DIST" && sha256sum python.wasm python-nofuel.wasm python311.zip BUILDINFO > SHA256SUMS)
log "done"; cat "$DIST/SHA256SUMS"
