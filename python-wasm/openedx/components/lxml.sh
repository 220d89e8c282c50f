#!/usr/bin/env bash
# lxml 5.3.2 (the sandbox pin) on Debian bookworm's libxml2 2.9.14 and libxslt 1.1.35 (with
# EXSLT), all for wasm32-wasi: built-in modules lxml.etree and lxml.objectify; the rest of lxml
# (builder, _elementpath, html, sax, ...) is its own Python, as lxml ships it.
# Cython 3.0.11 (lxml 5.3 needs >= 3.0.11, < 3.1; bookworm has 0.29) runs from its source tree.
set -euo pipefail
source "$OPENEDX_LIB"

LIBXML2=libxml2=2.9.14+dfsg-1.3~deb12u6
LIBXSLT=libxslt=1.1.35-1+deb12u4
need_debs autoconf automake libtool autotools-dev pkg-config
P=$WORK/prefix
AUTOTOOLS_ENV=(CC="$CCW" AR=llvm-ar-19 RANLIB=llvm-ranlib-19
  CFLAGS="-Os $PREFIX_MAP -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS"
  LDFLAGS="-lwasi-emulated-signal -lwasi-emulated-process-clocks")
# Debian source package SPEC -> a static library in $P: unpack, our patches (PREFIX-*.patch),
# a refreshed build system (Debian's config.sub predates the "wasi" OS), configure, then the
# make commands given after "--" (run in the build directory).
autotools_build() { # SPEC PATCH-PREFIX "configure flags" -- make-args...
  local spec=$1 prefix=$2 flags=$3; shift 4
  local name=${spec%%=*}
  deb_source "$spec" "$WORK/$name-src"
  local src; src=$(ls -d "$WORK/$name-src/$name"-*/); src=${src%/}
  apply_patches "$src" "$prefix"
  cp /usr/share/misc/config.sub /usr/share/misc/config.guess "$src/"
  (cd "$src" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed in $src"
  mkdir -p "$WORK/$name-build"
  (cd "$WORK/$name-build" && env "${AUTOTOOLS_ENV[@]}" "$src/configure" -q --host=wasm32-unknown-wasi \
     --build=x86_64-pc-linux-gnu --prefix="$P" --enable-static --disable-shared $flags >/dev/null) \
    || die "configure of $name failed"
  local cmd
  for cmd in "$@"; do
    (cd "$WORK/$name-build" && make $cmd >/dev/null) || die "make $cmd ($name) failed"
  done
}

# 1. libxml2: static, no threads/network/modules/ICU/lzma; zlib and iconv from the runtime's own
#    (the base build's zlib, wasi-libc's musl iconv: UTF-16/UTF-32/Latin-1 input work).
log "libxml2 ($LIBXML2)"
autotools_build "$LIBXML2" libxml2- "--without-threads --without-thread-alloc --without-http --without-ftp
  --with-iconv --without-icu --without-lzma --with-zlib=$DEPS --without-python --without-modules
  --without-readline --without-history --without-debug --without-mem-debug --without-run-debug" -- \
  "-j$JOBS libxml2.la" "install-libLTLIBRARIES install-pkgconfigDATA install-binSCRIPTS" "-C include install"

# 2. libxslt + libexslt (no crypto, plugins or debugger; the profiler stays: lxml calls
#    xsltGetProfileInformation).
log "libxslt ($LIBXSLT)"
autotools_build "$LIBXSLT" libxslt- "--without-crypto --without-python --without-plugins --without-debugger
  --with-libxml-prefix=$P" -- \
  "-j$JOBS -C libxslt libxslt.la" "-j$JOBS -C libexslt libexslt.la" "-C libxslt install" "-C libexslt install"

# 3. lxml's C from its Cython sources.
log "cythonize lxml.etree, lxml.objectify"
CY=$(vendor_unpack cython-3.0.11.tar.gz "$WORK/cython")
L=$(vendor_unpack lxml-5.3.2.tar.gz "$WORK/lxml")
apply_patches "$L" lxml-
S=$L/src/lxml
# setup.py writes this header from the package version.
printf '#ifndef LXML_VERSION_STRING\n#define LXML_VERSION_STRING "5.3.2"\n#endif\n' > "$S/includes/lxml-version.h"
for m in etree objectify; do
  (cd "$S" && /usr/bin/python3 "$CY/cython.py" -3 -I includes -I . "$m.pyx" -o "$m.c") >&2 \
    || die "cython $m.pyx failed"
done
check_signatures "$S"

log "compile lxml.etree, lxml.objectify"
mkdir -p "$WORK/obj" "$OUT/lib"
LXML_CFLAGS=(-Os -fno-strict-aliasing -DNDEBUG -DWITHOUT_THREADING -DLIBXML_STATIC -DLIBXSLT_STATIC
  -DLIBEXSLT_STATIC -DCYTHON_CLINE_IN_TRACEBACK=0 $PREFIX_MAP -I"$S" -I"$S/includes" -I"$P/include"
  -I"$P/include/libxml2" -I"$PY_SRC/Include" -I"$PY_WASI")
$CCW "${LXML_CFLAGS[@]}" -c "$S/etree.c" -o "$WORK/obj/etree.o" & etree_pid=$!
$CCW "${LXML_CFLAGS[@]}" -c "$S/objectify.c" -o "$WORK/obj/objectify.o" || die "compiling objectify.c failed"
wait "$etree_pid" || die "compiling etree.c failed"
llvm-ar-19 rcsD "$OUT/lib/liblxml.a" "$WORK/obj/etree.o" "$WORK/obj/objectify.o"
for a in libexslt libxslt libxml2; do cp "$P/lib/$a.a" "$OUT/lib/"; done
# libxml2's zlib is the base runtime's (linked by build.sh).
printf '%s\n' lib/liblxml.a lib/libexslt.a lib/libxslt.a lib/libxml2.a > "$OUT/link.txt"
printf '%s\n' "lxml.etree PyInit_etree" "lxml.objectify PyInit_objectify" > "$OUT/inittab.txt"

# 4. lxml's Python part as a wheel installs it (its tests, Cython and C sources are not shipped).
(cd "$L/src" && find lxml -name '*.py' -not -path '*/tests/*' -o -path 'lxml/isoschematron/resources/*' -type f) \
  | LC_ALL=C sort | while read -r f; do
    mkdir -p "$OUT/python/$(dirname "$f")" && cp "$L/src/$f" "$OUT/python/$f"
  done
mkdir -p "$OUT/python/lxml-5.3.2.dist-info"
printf 'Metadata-Version: 2.1\nName: lxml\nVersion: 5.3.2\n' > "$OUT/python/lxml-5.3.2.dist-info/METADATA"
echo "lxml" > "$OUT/python/lxml-5.3.2.dist-info/top_level.txt"

{
  echo "libxml2: Debian $LIBXML2 (apt-get source), patches: $(patch_list libxml2-)"
  echo "libxslt: Debian $LIBXSLT (apt-get source), patches: $(patch_list libxslt-)"
  echo "lxml: lxml-5.3.2.tar.gz (lxml/lxml @ lxml-5.3.2), sha256 $(sha256sum < "$VENDOR/lxml-5.3.2.tar.gz" | cut -c1-64), patches: $(patch_list lxml-)"
  echo "cython: cython-3.0.11.tar.gz (cython/cython @ 3.0.11), sha256 $(sha256sum < "$VENDOR/cython-3.0.11.tar.gz" | cut -c1-64)"
  echo "autotools: autoconf $(dpkg-query -W -f='${Version}' autoconf), automake $(dpkg-query -W -f='${Version}' automake), libtool $(dpkg-query -W -f='${Version}' libtool)"
  echo "cflags: -Os (libxml2/libxslt/lxml), libxml2 with iconv (wasi-libc) and zlib, without threads/http/ftp/icu/lzma/modules"
} > "$OUT/buildinfo.txt"
