#!/usr/bin/env bash
# Component "jpeg" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract is
# python-wasm/openedx/README.md): libjpeg-turbo 2.1.5 from Debian bookworm's source package (with
# Debian's patches), the static libjpeg (6b API, arithmetic coding on, as Debian builds it) for
# pillow's JPEG support. No Python module of its own.
#
# libjpeg-turbo's own CMake configures it (its checks run against clang for wasm32), for the
# static library only: no SIMD (its SIMD is x86/Arm assembly; the C code computes the same
# results for the integer DCTs Pillow uses), no TurboJPEG API, no tools.
set -euo pipefail
source "$OPENEDX_LIB"
LIBJPEG=libjpeg-turbo=1:2.1.5-2
need_debs cmake make

log "libjpeg-turbo ($LIBJPEG)"
deb_source "$LIBJPEG" "$WORK/src"
S=$(ls -d "$WORK"/src/libjpeg-turbo-*/); S=${S%/}
apply_patches "$S"

# ($SOURCE_DATE_EPOCH gives jconfigint.h's BUILD date)
(cd "$WORK" && cmake -S "$S" -B build -DCMAKE_SYSTEM_NAME=Generic -DCMAKE_SYSTEM_PROCESSOR=wasm32 \
   -DCMAKE_C_COMPILER=clang-19 -DCMAKE_C_COMPILER_TARGET=wasm32-wasi -DCMAKE_SYSROOT="$SYSROOT" \
   -DCMAKE_AR=/usr/bin/llvm-ar-19 -DCMAKE_RANLIB=/usr/bin/llvm-ranlib-19 -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY \
   -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG $PREFIX_MAP" \
   -DENABLE_SHARED=0 -DENABLE_STATIC=1 -DWITH_SIMD=0 -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 >"$WORK/cmake.log" 2>&1) \
  || { tail -30 "$WORK/cmake.log" >&2; die "cmake (libjpeg-turbo) failed"; }
log "compile libjpeg"
(cd "$WORK/build" && make -j"$JOBS" jpeg-static >"$WORK/make.log" 2>&1) || { tail -30 "$WORK/make.log" >&2; die "make jpeg-static failed"; }

mkdir -p "$OUT/lib" "$OUT/include"
# The archive's members in name order (make adds them in its own order).
mkdir -p "$WORK/obj" && (cd "$WORK/obj" && llvm-ar-19 x "$WORK/build/libjpeg.a" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$OUT/lib/libjpeg.a")
cp "$S/jpeglib.h" "$S/jmorecfg.h" "$S/jerror.h" "$WORK/build/jconfig.h" "$OUT/include/"
printf '%s\n' lib/libjpeg.a > "$OUT/link.txt"
: > "$OUT/inittab.txt"
{
  echo "source: Debian $LIBJPEG (apt-get source, Debian's patches applied), patches: $(patch_list)"
  echo "build: its CMake $(dpkg-query -W -f='${Version}' cmake), static libjpeg only, -O2, no SIMD, arithmetic coding, JPEG_LIB_VERSION 62"
} > "$OUT/buildinfo.txt"
