#!/usr/bin/env bash
# regex (mrab-regex 2023.12.26, the newest obtainable; the sandbox pins 2026.2.28): nltk needs it.
# C extension regex._regex as a built-in module; regex's Python part as is.
set -euo pipefail
source "$OPENEDX_LIB"

S=$(vendor_unpack mrab-regex-2023.12.26.tar.gz "$WORK/src")
apply_patches "$S"
check_signatures "$S/regex_3"

mkdir -p "$OUT/lib" "$WORK/obj"
for f in _regex _regex_unicode; do
  $CCW -O2 -fno-strict-aliasing -DNDEBUG $PREFIX_MAP -I"$PY_SRC/Include" -I"$PY_WASI" \
    -c "$S/regex_3/$f.c" -o "$WORK/obj/$f.o"
done
llvm-ar-19 rcsD "$OUT/lib/libregex.a" "$WORK/obj/_regex.o" "$WORK/obj/_regex_unicode.o"

echo "lib/libregex.a" > "$OUT/link.txt"
echo "regex._regex PyInit__regex" > "$OUT/inittab.txt"
# setup.py: package_dir {"regex": "regex_3"}; test_regex.py is the test suite, not shipped.
mkdir -p "$OUT/python/regex"
cp "$S/regex_3/__init__.py" "$S/regex_3/regex.py" "$S/regex_3/_regex_core.py" "$OUT/python/regex/"
# What pip would install for importlib.metadata.
mkdir -p "$OUT/python/regex-2023.12.25.dist-info"
printf 'Metadata-Version: 2.1\nName: regex\nVersion: 2023.12.25\n' > "$OUT/python/regex-2023.12.25.dist-info/METADATA"
echo "regex" > "$OUT/python/regex-2023.12.25.dist-info/top_level.txt"

{
  echo "source: mrab-regex-2023.12.26.tar.gz (mrabarnett/mrab-regex @ 2023.12.26 = package version 2023.12.25), sha256 $(sha256sum < "$VENDOR/mrab-regex-2023.12.26.tar.gz" | cut -c1-64)"
  echo "patches: $(patch_list)"
  echo "cflags: -O2 -fno-strict-aliasing -DNDEBUG"
} > "$OUT/buildinfo.txt"
