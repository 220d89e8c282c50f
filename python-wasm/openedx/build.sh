#!/usr/bin/env bash
# Builds the "Open edX sandbox" runtime: the base build's CPython 3.11 (libpython, PGO + ThinLTO)
# with the compiled parts of the sandbox's libraries linked in as built-in modules, one reactor.
# Each library is a component: python-wasm/openedx/components/<name>.sh, built in the order of
# components.list, with its patches in components/<name>/ (see README.md for the contract).
#
# Usage: python-wasm/openedx/build.sh     (as root on Debian bookworm, after the base build)
#   FORCE="a b"  rebuild these components even if their stamp is current
#   JOBS=n       parallel jobs (default: nproc)
#   CJW_OPENEDX_BUILD_DIR  build directory (default /var/tmp/codejail-wasm-openedx-build). Build
#                committed artifacts in the default: the module names it in scipy's Cython and
#                Fortran source paths (string constants, which -ffile-prefix-map does not map)
#   CJW_OPENEDX_DIST_DIR   output directory (default python-wasm/openedx/dist)
#   CJW_POSTLINK_LOCK      the lock held while linking and running the post-link passes
#                (default /var/tmp/cjw-postlink.lock: do not run this script under it)
# Inputs: the base build in /var/tmp/codejail-wasm-build (python-wasm/scripts/build.sh; never run
# from here), ../shared/vendor ($VENDOR, checked against its SHA256SUMS), Debian source packages.
# Outputs (python-wasm/openedx/dist/): python-openedx.wasm (fuel-instrumented reactor),
# python-openedx-nofuel.wasm, python-openedx-2026.1.zip (+ .manifest.json: the components'
# Python parts, pyc-only), BUILDINFO, SHA256SUMS.
set -euo pipefail
# One function, read whole before it runs: editing this file cannot change a running build.
main() {

HERE=$(cd "$(dirname "$0")" && pwd)          # python-wasm/openedx
PYWASM=$(cd "$HERE/.." && pwd)
REPO=$(cd "$PYWASM/.." && pwd)
BASE=${CJW_BUILD_DIR:-/var/tmp/codejail-wasm-build}
B=${CJW_OPENEDX_BUILD_DIR:-/var/tmp/codejail-wasm-openedx-build}
DIST=${CJW_OPENEDX_DIST_DIR:-$HERE/dist}
VENDOR=${VENDOR:-$(cd "$REPO/.." && pwd)/shared/vendor}
JOBS=${JOBS:-$(nproc)}
RUNTIME_VERSION=2026.1
# Static data of all components + the 1 MiB stack must fit (wasm-ld says so when it does not).
INITIAL_MEMORY=${INITIAL_MEMORY:-16777216}
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC PYTHONHASHSEED=0
OPENEDX_LIB=$HERE/lib.sh
source "$OPENEDX_LIB"
mkdir -p "$B/components" "$DIST"

# 0. Toolchain on top of the base build's (C++ runtime for C++ components, patch).
need_debs clang-19 lld-19 llvm-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 patch \
  dpkg-dev python3 build-essential
# npm run puts node_modules/.bin (binaryen's wasm-opt) first on PATH: clang would run it.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
command -v wasm-opt >/dev/null && die "wasm-opt is on PATH ($(command -v wasm-opt)): clang would run it after linking; remove Debian's binaryen"

# 1. The base build's outputs (never built from here: it belongs to python-wasm/scripts/build.sh).
SYSROOT=$BASE/sysroot
PY_WASI=$BASE/build-wasi
NATIVE_PY=$BASE/build-native/python
DEPS=$BASE/deps
for f in "$SYSROOT/include/wasm32-wasi" "$PY_WASI/pyconfig.h" "$PY_WASI/libpython3.11.a" \
         "$PY_WASI/Modules/_decimal/libmpdec/libmpdec.a" "$PY_WASI/Modules/expat/libexpat.a" \
         "$NATIVE_PY" "$DEPS/lib/libz.a" "$DEPS/lib/libbz2.a" "$DEPS/lib/liblzma.a" "$PYWASM/dist/python311.zip"; do
  [ -e "$f" ] || die "missing $f: run python-wasm/scripts/build.sh (the base runtime) first"
done
PY_SRC=$(ls -d "$BASE"/src-python3.11/python3.11-*/ | head -1); PY_SRC=${PY_SRC%/}
CCW="clang-19 --target=wasm32-wasi --sysroot=$SYSROOT"
CXXW="clang++-19 --target=wasm32-wasi --sysroot=$SYSROOT"
PREFIX_MAP="-ffile-prefix-map=$B=/build/openedx -ffile-prefix-map=$BASE=/build -ffile-prefix-map=$REPO=/src"
HEADERS_KEY=$(headers_key "$PY_WASI" "$PY_SRC")

# 2. Components, in order. A component is rebuilt when its script, its directory, the headers
#    or a component it names in a "# needs: a b" line changed (or FORCE names it).
COMPONENTS=$(grep -Ev '^\s*(#|$)' "$HERE/components.list")
for name in $COMPONENTS; do
  [ -f "$HERE/components/$name.sh" ] || die "components.list names $name, but components/$name.sh does not exist"
  dir=$B/components/$name
  mkdir -p "$dir"
  # Engineers build in parallel from their own worktrees: one builder per component at a time.
  exec {lock}>"$dir.lock"
  flock "$lock"
  key=$(component_key "$HERE" "$B" "$HEADERS_KEY" "$name")
  if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$key" ] || [[ " ${FORCE:-} " == *" $name "* ]]; then
    log "component $name"
    rm -rf "$dir/out" "$dir/work" "$dir/stamp"
    mkdir -p "$dir/out" "$dir/work"
    if ! env COMPONENT="$name" COMPONENT_DIR="$HERE/components/$name" OPENEDX_LIB="$OPENEDX_LIB" \
        BASE="$BASE" PY_SRC="$PY_SRC" PY_WASI="$PY_WASI" NATIVE_PY="$NATIVE_PY" SYSROOT="$SYSROOT" DEPS="$DEPS" \
        CCW="$CCW" CXXW="$CXXW" PREFIX_MAP="$PREFIX_MAP" JOBS="$JOBS" VENDOR="$VENDOR" REPO="$REPO" \
        COMPONENTS="$B/components" OUT="$dir/out" WORK="$dir/work" \
        bash "$HERE/components/$name.sh" >"$dir/build.log" 2>&1; then
      tail -40 "$dir/build.log" >&2
      die "component $name failed (log: $dir/build.log)"
    fi
    for f in link.txt inittab.txt buildinfo.txt; do
      [ -f "$dir/out/$f" ] || die "component $name made no $f"
    done
    echo "$key" > "$dir/stamp"
  fi
  flock -u "$lock"
  exec {lock}>&-
done

# 3. The link and the post-link passes, one at a time on this machine (the memory- and CPU-heavy
#    steps; the lock every post-link or re-instrumentation run takes, whatever its build dir).
L=$B/link
exec {linklock}>"${CJW_POSTLINK_LOCK:-/var/tmp/cjw-postlink.lock}"
flock "$linklock"
rm -rf "$L" && mkdir -p "$L"
archives=() flags=()
# Each module's init function runs with the package context set to its dotted name, as
# CPython's loader of extension modules does: the module (and its functions' __module__) is then
# named "regex._regex", not "_regex", so that pickle and copy find its functions and types.
decls=() appends=()
for name in $COMPONENTS; do
  while read -r mod init; do
    [ -n "$mod" ] || continue
    decls+=("extern PyObject *$init(void);  /* $mod ($name) */"
            "static PyObject *cj_init_${mod//./_}(void) {"
            "    const char *saved = _Py_PackageContext;"
            "    _Py_PackageContext = \"$mod\";"
            "    PyObject *module = $init();"
            "    _Py_PackageContext = saved;"
            "    return module;"
            "}")
    appends+=("    if (PyImport_AppendInittab(\"$mod\", cj_init_${mod//./_}) < 0) return -1;")
  done < "$B/components/$name/out/inittab.txt"
done
printf '%s\n' "/* Generated by python-wasm/openedx/build.sh from the components' inittab.txt. */" \
  "#ifndef CJ_OPENEDX_BUILTINS_H" "#define CJ_OPENEDX_BUILTINS_H" "#include <Python.h>" "${decls[@]}" \
  "static int cj_extra_builtins(void) {" "${appends[@]}" "    return 0;" "}" "#endif" > "$L/openedx_builtins.h"
for name in $COMPONENTS; do
  while read -r item; do
    case "$item" in
      ''|'#'*) ;;
      -*) flags+=("$item") ;;
      /*) archives+=("$item") ;;
      *) archives+=("$B/components/$name/out/$item") ;;
    esac
  done < "$B/components/$name/out/link.txt"
done
log "link the reactor (${#archives[@]} component archives)"
# The base reactor's link (python-wasm/scripts/build.sh link_reactor): component archives come
# before libpython, whose symbols they use.
$CCW -mexec-model=reactor -O2 -flto=thin $PREFIX_MAP -I"$PY_SRC/Include" -I"$PY_WASI" -I"$L" \
  -DCJ_EXTRA_BUILTINS='"openedx_builtins.h"' -o "$L/reactor.wasm" "$PYWASM/src/cjentry.c" \
  "${archives[@]}" \
  "$PY_WASI/libpython3.11.a" "$PY_WASI/Modules/_decimal/libmpdec/libmpdec.a" "$PY_WASI/Modules/expat/libexpat.a" \
  "$DEPS/lib/libz.a" "$DEPS/lib/libbz2.a" "$DEPS/lib/liblzma.a" \
  "${flags[@]}" \
  -lwasi-emulated-signal -lwasi-emulated-getpid -lwasi-emulated-process-clocks -lm \
  -z stack-size=1048576 -Wl,--stack-first -Wl,--initial-memory="$INITIAL_MEMORY" \
  -Wl,--max-memory=4294967296 -Wl,--export=__heap_base
llvm-strip-19 -o "$L/reactor.stripped.wasm" "$L/reactor.wasm"
# One exception tag per kind (C++ throw, longjmp): a module that kept a tag of its own would
# catch with a tag nothing throws, and its catches would never match (components/scipy/localize.py).
tags=$(/usr/bin/python3 "$HERE/components/scipy/wasm_object.py" tags "$L/reactor.wasm")
[ "$tags" -le 2 ] || die "the reactor defines $tags exception tags; expected __cpp_exception and __c_longjmp once each"

# 4. The post-link pipeline (fuel, store barrier), as the base build runs it.
[ -d "$REPO/node_modules/binaryen" ] || (cd "$REPO" && npm ci --no-audit --no-fund)
log "post-link pipeline (fuel, store barrier)"
node "$PYWASM/scripts/postlink.mjs" "$L/reactor.stripped.wasm" \
  "$DIST/python-openedx.wasm" "$DIST/python-openedx-nofuel.wasm"
flock -u "$linklock"

# 5. The components' Python parts: one pyc-only zip, built like a library layer.
log "python-openedx-$RUNTIME_VERSION.zip"
py_sources=()
for name in $COMPONENTS; do
  [ -d "$B/components/$name/out/python" ] && py_sources+=("dir:$B/components/$name/out/python")
done
rm -f "$DIST"/python-openedx-*.zip "$DIST"/python-openedx-*.manifest.json
/usr/bin/python3 -B "$PYWASM/layers/build_layer.py" --name python-openedx --version "$RUNTIME_VERSION" \
  --out "$L/zip" --runtime-zip "$PYWASM/dist/python311.zip" "${py_sources[@]}" > "$L/zip.log"
# The manifest's dir: sources name build paths: record them relative to the build directory.
sed "s|dir:$B/|dir:/build/openedx/|g" "$L/zip/python-openedx-$RUNTIME_VERSION.manifest.json" \
  > "$DIST/python-openedx-$RUNTIME_VERSION.manifest.json"
cp "$L/zip/python-openedx-$RUNTIME_VERSION.zip" "$DIST/"

# 6. Provenance and checksums.
{
  echo "runtime: python-openedx $RUNTIME_VERSION"
  echo "components: $(echo $COMPONENTS)"
  echo "base-runtime: $(grep -E '^(cpython|zlib|bzip2|xz)-source' "$PYWASM/dist/BUILDINFO" | tr '\n' ';')"
  echo "base-inputs-sha256: libpython3.11.a $(sha256sum < "$PY_WASI/libpython3.11.a" | cut -c1-64); cjentry.c $(sha256sum < "$PYWASM/src/cjentry.c" | cut -c1-64); python311.zip $(sha256sum < "$PYWASM/dist/python311.zip" | cut -c1-64)"
  for name in $COMPONENTS; do
    sed "s|^|$name: |" "$B/components/$name/out/buildinfo.txt"
  done
  echo "link: -O2 -flto=thin, initial memory $INITIAL_MEMORY, $(printf '%s ' "${flags[@]}")"
  echo "clang: $(dpkg-query -W -f='${Version}' clang-19)"
  echo "wasi-libc: $(dpkg-query -W -f='${Version}' wasi-libc)"
  echo "libc++: $(dpkg-query -W -f='${Version}' libc++-19-dev-wasm32)"
  echo "binaryen.js: $(node -p "require('$REPO/node_modules/binaryen/package.json').version")"
  echo "post-link: python-wasm/scripts/postlink.mjs (fuel; store barrier, 4 KiB chunks)"
} > "$DIST/BUILDINFO"
(cd "$DIST" && sha256sum python-openedx.wasm python-openedx-nofuel.wasm "python-openedx-$RUNTIME_VERSION.zip" \
   "python-openedx-$RUNTIME_VERSION.manifest.json" BUILDINFO > SHA256SUMS)
log "done"; ls -l "$DIST" >&2; cat "$DIST/SHA256SUMS"
}
main "$@"
