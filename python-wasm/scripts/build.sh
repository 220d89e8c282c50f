#!/usr/bin/env bash
# Builds the codejail-wasm runtime from Debian sources with Debian's toolchain.
# Usage: python-wasm/scripts/build.sh   (as root on Debian bookworm; installs what it needs)
#        python-wasm/scripts/build.sh --postlink-only   (re-runs only the post-link pipeline,
#        python-wasm/scripts/postlink.mjs, and the manifest, on the reactor a full build linked)
# Outputs (python-wasm/dist/): python.wasm (fuel-instrumented reactor), python-nofuel.wasm
# (same module without fuel, for overhead measurements), python311.zip (pyc-only stdlib),
# BUILDINFO and SHA256SUMS.
# CPython is compiled twice: instrumented, to record a profile of python-wasm/pgo/train.py run
# in our own WASI host, then optimised with that profile (ADR 0001).
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
# compiler-rt's profile runtime must match clang-19's profile format: same source version.
LLVM_SRC_VERSION=${LLVM_SRC_VERSION:-1:19.1.7-3~deb12u1}
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
CROSS_OPTS="--disable-test-modules --with-pymalloc CFLAGS=-flto=thin LDFLAGS=-flto=thin ax_cv_c_float_words_bigendian=no"
PGO=$BUILD/pgo
OUT=$BUILD/out

# The post-link pipeline (fuel, store barrier) and the provenance manifest: the last steps of a
# build, and all of --postlink-only.
postlink() {
  [ -d "$REPO/node_modules/binaryen" ] || (cd "$REPO" && npm ci --no-audit --no-fund)
  log "post-link pipeline (fuel, store barrier)"
  node "$HERE/scripts/postlink.mjs" "$OUT/reactor.stripped.wasm" "$DIST/python.wasm" "$DIST/python-nofuel.wasm"
}
provenance() {
  local profile_sha
  profile_sha=$(sha256sum "$PGO/cpython.profdata" | cut -c1-16)
  {
    echo "cpython-source: python3.11 $PY_SRC_VERSION (apt-get source)"
    echo "zlib-source: zlib $ZLIB_SRC_VERSION"
    echo "bzip2-source: bzip2 $BZIP2_SRC_VERSION"
    echo "xz-source: xz-utils $XZ_SRC_VERSION"
    echo "cpython-configure: $CROSS_OPTS (CPython's -O3; reactor link -O2 -flto=thin)"
    echo "cpython-profile: python-wasm/pgo/train.py, llvm-profdata sha256 $profile_sha..."
    echo "llvm-source: llvm-toolchain-19 $LLVM_SRC_VERSION (compiler-rt profile runtime)"
    echo "clang: $(dpkg-query -W -f='${Version}' clang-19)"
    echo "wasi-libc: $(dpkg-query -W -f='${Version}' wasi-libc)"
    echo "binaryen.js: $(node -p "require('$REPO/node_modules/binaryen/package.json').version")"
    echo "post-link: python-wasm/scripts/postlink.mjs (fuel; store barrier, 4 KiB chunks)"
  } > "$DIST/BUILDINFO"
  (cd "$DIST" && sha256sum python.wasm python-nofuel.wasm python311.zip BUILDINFO > SHA256SUMS)
  log "done"; cat "$DIST/SHA256SUMS"
}
if [ "${1:-}" = --postlink-only ]; then
  [ -f "$OUT/reactor.stripped.wasm" ] && [ -f "$PGO/cpython.profdata" ] \
    || { echo "no linked reactor in $OUT: run a full build first" >&2; exit 1; }
  postlink
  provenance
  exit 0
fi

# npm run puts node_modules/.bin first on PATH, and the binaryen package has a wasm-opt there.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
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

# 4. compiler-rt's profile runtime for wasm32-wasi. Debian ships compiler-rt for wasm32 without
#    it, so its portable files are compiled from Debian's LLVM source (only the profile
#    directory is unpacked) with python-wasm/src/cjprofile.c in place of the parts that need
#    files, mmap or threads.
PROFRT=$BUILD/profile-rt
if ! done_ profile-rt; then
  log "compiler-rt profile runtime from llvm-toolchain-19=$LLVM_SRC_VERSION"
  rm -rf "$BUILD/src-llvm" "$PROFRT" && mkdir -p "$BUILD/src-llvm" "$PROFRT"
  (cd "$BUILD/src-llvm" && apt-get source -q --download-only "llvm-toolchain-19=$LLVM_SRC_VERSION" >/dev/null &&
   tar -xJf llvm-toolchain-19_*.orig.tar.xz --wildcards '*/compiler-rt/lib/profile/*' '*/compiler-rt/include/profile/*' &&
   rm -f llvm-toolchain-19_*.orig.tar.xz)
  P=$(ls -d "$BUILD"/src-llvm/*/compiler-rt/lib/profile)
  for f in InstrProfiling InstrProfilingBuffer InstrProfilingInternal InstrProfilingMerge \
           InstrProfilingNameVar InstrProfilingValue InstrProfilingVersionVar InstrProfilingWriter; do
    $CCW -O2 $PREFIX_MAP -I"$P/../../include" -c "$P/$f.c" -o "$PROFRT/$f.o"
  done
  # LLVM 19's generic platform file names two variables it never declares (MC/DC bitmaps,
  # unused here); upstream fixed it later.
  $CCW -O2 $PREFIX_MAP -I"$P/../../include" -DBitmapFirst=NULL -DBitmapLast=NULL \
    -c "$P/InstrProfilingPlatformOther.c" -o "$PROFRT/InstrProfilingPlatformOther.o"
  $CCW -O2 $PREFIX_MAP -I"$P" -I"$P/../../include" -c "$HERE/src/cjprofile.c" -o "$PROFRT/cjprofile.o"
  llvm-ar-19 rcs "$PROFRT/libprofile.a" "$PROFRT"/*.o
  mark profile-rt
fi

# 5. Cross builds of CPython for wasm32-wasi.
# pymalloc: CPython's configure turns it off for WASI by default, but without it every small
# object goes through four calls into dlmalloc (~20 % of a pure-Python loop's time, measured
# with `node --prof`); natively (and under codejail) CPython always uses it.
# ThinLTO (objects are LLVM bitcode, optimised together at the reactor link): another ~8 %.
# configure cannot find the float word order in a bitcode object, so it is given (wasm32 is
# little-endian). See docs/adr/0001-runtime-cpython-wasi.md.
configure_cross() { # build-dir stamp-name stamp-content: (re)configure when the content changed
  if [ "$(cat "$STAMP/$2" 2>/dev/null)" != "$3" ]; then
    log "configure CPython for wasm32-wasi in $(basename "$1")"
    rm -rf "$1" && mkdir -p "$1"
    (cd "$1" && CONFIG_SITE="$S/Tools/wasm/config.site-wasm32-wasi" \
      CC="$CCW" CPP="$CCW -E" CXX="clang++-19 --target=wasm32-wasi --sysroot=$SYSROOT" \
      AR=llvm-ar-19 RANLIB=llvm-ranlib-19 READELF=true \
      PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$SYSROOT/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$SYSROOT" \
      "$S/configure" -q -C --host=wasm32-unknown-wasi --build="$("$S/config.guess")" \
        --with-build-python="$NATIVE/python" $CROSS_OPTS >/dev/null)
    cat > "$1/Modules/Setup.local" <<SETUP
zlib zlibmodule.c -I$DEPS/include $DEPS/lib/libz.a
_bz2 _bz2module.c -I$DEPS/include $DEPS/lib/libbz2.a
_lzma _lzmamodule.c -I$DEPS/include $DEPS/lib/liblzma.a
SETUP
    echo "$3" > "$STAMP/$2"
  fi
}
make_cross() { # build-dir extra-cflags [targets...]; make is incremental (e.g. after patch-cpython.py)
  local dir=$1 extra=$2
  shift 2
  # clang >= 15 makes int-conversion an error; timemodule.c trips it on wasi-libc's CLOCK_* pointers.
  (cd "$dir" && make -j"$JOBS" EXTRA_CFLAGS="-Wno-error=int-conversion -Wno-error=incompatible-function-pointer-types $PREFIX_MAP $extra" \
     "$@" >"$dir/make.log" 2>&1) || { tail -40 "$dir/make.log"; exit 1; }
}
link_reactor() { # build-dir out.wasm initial-memory-bytes [extra archives...]
  local dir=$1 out=$2 initial=$3
  shift 3
  $CCW -mexec-model=reactor -O2 -flto=thin $PREFIX_MAP -I"$S/Include" -I"$dir" \
    -o "$out" "$HERE/src/cjentry.c" \
    "$dir/libpython3.11.a" "$dir/Modules/_decimal/libmpdec/libmpdec.a" "$dir/Modules/expat/libexpat.a" \
    "$DEPS/lib/libz.a" "$DEPS/lib/libbz2.a" "$DEPS/lib/liblzma.a" "$@" \
    -lwasi-emulated-signal -lwasi-emulated-getpid -lwasi-emulated-process-clocks -lm \
    -z stack-size=1048576 -Wl,--stack-first -Wl,--initial-memory="$initial" \
    -Wl,--max-memory=4294967296 -Wl,--export=__heap_base
}
[ -d "$REPO/node_modules/binaryen" ] || (cd "$REPO" && npm ci --no-audit --no-fund)

stdlib_zip() { # sysconfigdata-from-a-cross-build out.zip: pyc-only, compiled by the native build python (same magic)
  "$NATIVE/python" -E -I "$HERE/scripts/mkstdlib.py" "$S/Lib" "$1" "$2"
}
SYSCONFIGDATA=build/lib.wasi-wasm32-3.11/_sysconfigdata__wasi_wasm32-wasi.py

# 6. Profile: CPython instrumented (-fprofile-generate, with the runtime of step 4), run once on
#    python-wasm/pgo/train.py in our WASI host (the TypeScript host, compiled to dist/).
#    The run is deterministic (in-memory files, fixed clock, seeded randomness), so is the profile.
GEN=$BUILD/build-wasi-pgo-gen
mkdir -p "$PGO"
configure_cross "$GEN" cross-configure-pgo-gen "$CROSS_OPTS"
log "make CPython instrumented for the profile"
make_cross "$GEN" -fprofile-generate libpython3.11.a Modules/_decimal/libmpdec/libmpdec.a Modules/expat/libexpat.a pybuilddir.txt
log "link the instrumented reactor and record the profile"
# The counters need more static memory than the 5 MiB the real reactor starts with.
link_reactor "$GEN" "$PGO/reactor.wasm" 16777216 "$PROFRT/libprofile.a"
llvm-strip-19 -o "$PGO/reactor.stripped.wasm" "$PGO/reactor.wasm"
# Fuel only: the profile is of the C code, which the store barrier (added after linking) does
# not change; and the training runs on the system's Node, which may lack multi-memory.
node "$HERE/scripts/instrument-fuel.mjs" "$PGO/reactor.stripped.wasm" "$PGO/instrumented-fuel.wasm" "$PGO/instrumented.wasm" >/dev/null
stdlib_zip "$GEN/$SYSCONFIGDATA" "$PGO/python311.zip"
(cd "$REPO" && npx tsc -p .)
# The training boots the driver's Python (compat/) as a request does, so the profile, and with it
# every runtime built on this libpython, would change with each edit of compat/: the committed
# runtimes would stop being what the tree builds. It runs compat/ as of the commit
# pgo/compat-commit names instead (from git: a clone, not an archive). Move that commit only
# together with rebuilt runtimes.
PGO_ROOT=$PGO/compat-root
rm -rf "$PGO_ROOT" && mkdir -p "$PGO_ROOT"
git -C "$REPO" archive "$(cat "$HERE/pgo/compat-commit")" compat | tar -x -C "$PGO_ROOT"
node "$HERE/scripts/pgo-train.mjs" "$PGO/instrumented.wasm" "$PGO" "$HERE/pgo/train.py" "$PGO/train.profraw" "$PGO_ROOT"
llvm-profdata-19 merge -o "$PGO/cpython.profdata" "$PGO/train.profraw"
PROFILE_SHA=$(sha256sum "$PGO/cpython.profdata" | cut -c1-16)

# 7. The real build, optimised with the profile. A new profile means a clean rebuild (make does
#    not see flag changes), hence the profile's checksum in the configure stamp.
WASI=$BUILD/build-wasi
configure_cross "$WASI" cross-configure "$CROSS_OPTS profile=$PROFILE_SHA"
log "make CPython for wasm32-wasi, profile-guided"
make_cross "$WASI" "-fprofile-use=$PGO/cpython.profdata"
mkdir -p "$OUT"
log "link the reactor"
link_reactor "$WASI" "$OUT/reactor.wasm" 5242880
llvm-strip-19 -o "$OUT/reactor.stripped.wasm" "$OUT/reactor.wasm"
postlink
log "stdlib zip"
stdlib_zip "$WASI/$SYSCONFIGDATA" "$DIST/python311.zip"

# 8. Provenance and checksums.
provenance
