#!/usr/bin/env bash
# Component "pillow" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract
# is python-wasm/openedx/README.md): Pillow 9.4.0 from Debian bookworm's source package (with
# Debian's patches: the CVE fixes), built-in modules PIL._imaging (with zlib: PNG read/write;
# libjpeg-turbo from the jpeg component: JPEG read/write),
# PIL._imagingft (FreeType: ImageFont.truetype, basic layout: no libraqm), PIL._imagingmath and
# PIL._imagingmorph, and PIL's Python part. The sandbox pins pillow 12.1.1 (for matplotlib
# 3.10.8); 9.4.0 is Debian bookworm's, the version whose source is obtainable here.
# Not built: JPEG 2000, TIFF, WebP, LittleCMS, libimagequant, XCB, Tk (features.check says so;
# opening or saving those formats raises as in a Pillow built without them).
# Pillow's JPEG codecs recover from libjpeg's errors by longjmp: cxxrt's setjmp/longjmp.
# needs: cxxrt freetype jpeg
set -euo pipefail
source "$OPENEDX_LIB"
PILLOW=pillow=9.4.0-1.1+deb12u1
VERSION=9.4.0
FREETYPE=$COMPONENTS/freetype/out
JPEG=$COMPONENTS/jpeg/out
CXXRT=$COMPONENTS/cxxrt/out
for f in "$FREETYPE/lib/libfreetype.a" "$JPEG/lib/libjpeg.a" "$CXXRT/include/setjmp.h"; do
  [ -f "$f" ] || die "missing $f (build cxxrt, freetype and jpeg first)"
done

log "pillow ($PILLOW)"
deb_source "$PILLOW" "$WORK/src"
S=$(ls -d "$WORK"/src/pillow-*/); S=${S%/}
apply_patches "$S"
# PIL._imaging's sources: setup.py's lists (_IMAGING, _LIB_IMAGING), read from the file.
IMAGING_UNITS=$(/usr/bin/python3 - "$S/setup.py" <<'EOF'
import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
lists = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
         for t in n.targets if isinstance(t, ast.Name) and t.id in ("_IMAGING", "_LIB_IMAGING")}
print(" ".join(["_imaging"] + list(lists["_IMAGING"]) + ["libImaging/" + f for f in lists["_LIB_IMAGING"]]))
EOF
)
# The C callbacks of what is built (not _webp.c, _imagingcms.c, _imagingtk.c).
mkdir -p "$WORK/signature-src"
for u in $IMAGING_UNITS _imagingft _imagingmath _imagingmorph; do cp "$S/src/$u.c" "$WORK/signature-src/"; done
check_signatures "$WORK/signature-src"

FL=(-O2 -DNDEBUG -fno-strict-aliasing -mllvm -wasm-enable-sjlj -mexception-handling $PREFIX_MAP
  -isystem "$CXXRT/include" -I"$S/src" -I"$S/src/libImaging" -I"$PY_SRC/Include" -I"$PY_WASI" -I"$DEPS/include")
mkdir -p "$WORK/obj/imaging" "$WORK/obj/ft" "$WORK/obj/math" "$WORK/obj/morph" "$OUT/lib"
{
  for u in $IMAGING_UNITS; do
    echo "$CCW ${FL[*]} -DHAVE_LIBZ -DHAVE_LIBJPEG -I$JPEG/include -DPILLOW_VERSION='\"$VERSION\"' -c $S/src/$u.c -o $WORK/obj/imaging/${u//\//_}.o"
  done
  echo "$CCW ${FL[*]} -I$FREETYPE/include/freetype2 -c $S/src/_imagingft.c -o $WORK/obj/ft/_imagingft.o"
  echo "$CCW ${FL[*]} -c $S/src/_imagingmath.c -o $WORK/obj/math/_imagingmath.o"
  echo "$CCW ${FL[*]} -c $S/src/_imagingmorph.c -o $WORK/obj/morph/_imagingmorph.o"
} > "$WORK/compile.cmds"
log "compile ($(wc -l < "$WORK/compile.cmds") units)"
xargs -P "$JOBS" -d '\n' -I{} sh -c '{}' < "$WORK/compile.cmds" || die "pillow compile failed"
for m in imaging ft math morph; do
  (cd "$WORK/obj/$m" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$OUT/lib/libpil_$m.a")
done
# FreeType and libjpeg come with the freetype and jpeg components' link lists (wasm-ld, like lld, resolves symbols
# from archives listed before the one that needs them).
printf '%s\n' lib/libpil_imaging.a lib/libpil_ft.a lib/libpil_math.a lib/libpil_morph.a > "$OUT/link.txt"
printf '%s\n' "PIL._imaging PyInit__imaging" "PIL._imagingft PyInit__imagingft" \
  "PIL._imagingmath PyInit__imagingmath" "PIL._imagingmorph PyInit__imagingmorph" > "$OUT/inittab.txt"

# PIL's Python part, as Pillow's wheel installs it.
mkdir -p "$OUT/python/PIL" "$OUT/python/Pillow-$VERSION.dist-info"
cp "$S"/src/PIL/*.py "$OUT/python/PIL/"
printf 'Metadata-Version: 2.1\nName: Pillow\nVersion: %s\nSummary: Python Imaging Library (Fork)\nLicense: HPND\n' "$VERSION" \
  > "$OUT/python/Pillow-$VERSION.dist-info/METADATA"
printf 'PIL\n' > "$OUT/python/Pillow-$VERSION.dist-info/top_level.txt"

{
  echo "source: Debian $PILLOW (apt-get source, Debian's patches applied), patches: $(patch_list)"
  echo "cflags: -O2, setjmp/longjmp on wasm exception handling (cxxrt); PIL._imaging with zlib (the base runtime's) and libjpeg (the jpeg component), PIL._imagingft with the freetype component (no raqm); no jpeg2000/tiff/webp/lcms/imagequant/xcb/tk"
} > "$OUT/buildinfo.txt"
