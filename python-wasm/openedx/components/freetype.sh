#!/usr/bin/env bash
# Component "freetype" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract
# is python-wasm/openedx/README.md): FreeType 2.12.1 from Debian bookworm's source package (with
# Debian's patches: subpixel rendering on, the CVE fixes), a static library for the components
# that render text (pillow's PIL._imagingft; matplotlib's ft2font when its source is obtainable).
# No Python module of its own.
# needs: cxxrt
#
# Built from the file list of FreeType's docs/INSTALL.ANY (the modules of the default
# include/freetype/config/ftmodule.h and every base extension of modules.cfg) rather than its
# unix configure, whose ftsystem.c maps files with mmap (WASI has none): src/base/ftsystem.c
# reads fonts through stdio. zlib is the base runtime's (FT_CONFIG_OPTION_SYSTEM_ZLIB, as
# Debian builds it); no bzip2, libpng (colour bitmap glyphs), brotli (WOFF2) or HarfBuzz.
# FreeType's smooth rasterizer and cmap validator use setjmp/longjmp: lowered onto wasm
# exception handling with cxxrt's setjmp.h and runtime (libsjlj.a, linked by cxxrt).
set -euo pipefail
source "$OPENEDX_LIB"
FREETYPE=freetype=2.12.1+dfsg-5+deb12u4
CXXRT=$COMPONENTS/cxxrt/out
[ -f "$CXXRT/include/setjmp.h" ] || die "missing $CXXRT/include/setjmp.h (build cxxrt first)"

log "freetype ($FREETYPE)"
deb_source "$FREETYPE" "$WORK/src"
S=$(ls -d "$WORK"/src/freetype-*/); S=${S%/}
apply_patches "$S"

BASE_EXT="ftbbox ftbdf ftbitmap ftcid ftfstype ftgasp ftglyph ftgxval ftmm ftotval ftpatent ftpfr ftstroke
  ftsynth fttype1 ftwinfnt"
UNITS="base/ftsystem base/ftinit base/ftdebug base/ftbase $(for e in $BASE_EXT; do printf 'base/%s ' "$e"; done)
  autofit/autofit bdf/bdf cff/cff cid/type1cid pcf/pcf pfr/pfr psaux/psaux pshinter/pshinter psnames/psnames
  raster/raster sdf/sdf sfnt/sfnt smooth/smooth svg/svg truetype/truetype type1/type1 type42/type42
  winfonts/winfnt gzip/ftgzip lzw/ftlzw cache/ftcache"
FL=(-O2 -DFT2_BUILD_LIBRARY -DFT_CONFIG_OPTION_SYSTEM_ZLIB -mllvm -wasm-enable-sjlj -mexception-handling
  $PREFIX_MAP -isystem "$CXXRT/include" -I"$S/include" -I"$DEPS/include")
mkdir -p "$WORK/obj" "$OUT/lib" "$OUT/include"
for u in $UNITS; do
  echo "$CCW ${FL[*]} -c $S/src/$u.c -o $WORK/obj/${u//\//_}.o"
done > "$WORK/compile.cmds"
log "compile ($(wc -l < "$WORK/compile.cmds") units)"
xargs -P "$JOBS" -d '\n' -I{} sh -c '{}' < "$WORK/compile.cmds" || die "freetype compile failed"
(cd "$WORK/obj" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$OUT/lib/libfreetype.a")
# Headers for the components that compile against FreeType (-I$OUT/include/freetype2, as
# Debian's pkg-config file says).
# Its ftstdlib.h includes <setjmp.h>, which wasi-libc lacks: cxxrt's, beside them.
mkdir -p "$OUT/include/freetype2"
cp -r "$S/include/." "$OUT/include/freetype2/"
cp "$CXXRT/include/setjmp.h" "$OUT/include/freetype2/"
# The sjlj runtime and zlib come with cxxrt's and the base runtime's link.
printf '%s\n' lib/libfreetype.a > "$OUT/link.txt"
: > "$OUT/inittab.txt"
{
  echo "source: Debian $FREETYPE (apt-get source, Debian's patches applied), patches: $(patch_list)"
  echo "cflags: -O2, setjmp/longjmp on wasm exception handling (cxxrt); modules: default ftmodule.h; zlib: the base runtime's; no bzip2/png/brotli/harfbuzz"
} > "$OUT/buildinfo.txt"
