#!/usr/bin/env bash
# Native (x86_64) scipy 1.17.1 from the same vendored sources the Open edX runtime compiles for
# wasm32 (the scipy component), built with Debian's python3 3.11.2, gfortran and OpenBLAS, on
# the numpy-native component's numpy 1.26.4: the reference test/scipy compares scipy's own test
# suite against, per subpackage. Not shipped; not needed by CI. Pythran off, as in the wasm build.
#
# Usage: python-wasm/openedx/native/build.sh     (as root, after python-wasm/openedx/build.sh has
#        built the numpy-native and scipy components: it reuses the scipy component's sources
#        and tools)
# Output: /var/tmp/codejail-wasm-openedx-build/native/scipy/site (PYTHONPATH=<that>:<numpy-native>)
# Not run yet (docs/adr/0008-scipy.md): it needs the scipy component's configured sources.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
B=${CJW_OPENEDX_BUILD_DIR:-/var/tmp/codejail-wasm-openedx-build}
N=$B/native/scipy
JOBS=${JOBS:-$(nproc)}
COMPONENT=native OPENEDX_LIB=$REPO/python-wasm/openedx/lib.sh
source "$OPENEDX_LIB"
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC PYTHONHASHSEED=0
need_debs gfortran libopenblas-dev pkg-config ninja-build python3-dev build-essential

W=$B/components/scipy/work
NUMPY_NATIVE=$B/components/numpy-native/out
for d in "$W/scipy" "$W/meson" "$W/cython" "$W/pybind11" "$NUMPY_NATIVE/numpy"; do
  [ -e "$d" ] || die "missing $d: build the scipy component first (python-wasm/openedx/build.sh)"
done
SRC=$(ls -d "$W"/scipy/scipy-*/)
MESON=$(ls -d "$W"/meson/*/)
CYTHON=$(ls -d "$W"/cython/*/)
PYBIND11=$(ls -d "$W"/pybind11/*/)
rm -rf "$N" && mkdir -p "$N/pc"
cp -r "$SRC" "$N/src"
cat > "$N/pc/pybind11.pc" <<EOF
Name: pybind11
Description: pybind11 2.13.6 headers
Version: 2.13.6
Cflags: -I$PYBIND11/include
EOF
cat > "$N/cython" <<EOF
#!/bin/sh
exec /usr/bin/python3 $CYTHON/cython.py "\$@"
EOF
chmod +x "$N/cython"
log "native scipy: meson setup + compile"
export PYTHONPATH=$NUMPY_NATIVE PKG_CONFIG_PATH=$N/pc PATH=$N:$PATH
(cd "$N/src" && /usr/bin/python3 "$MESON/meson.py" setup "$N/build" --prefix=/usr -Dpython.install_env=auto \
   --buildtype=release -Dblas=openblas -Dlapack=openblas -Duse-pythran=false >"$N/setup.log" 2>&1) \
   || { tail -40 "$N/setup.log" >&2; die "meson setup failed"; }
(cd "$N/build" && ninja -j "$JOBS" >"$N/compile.log" 2>&1) || { grep -A20 FAILED "$N/compile.log" | head -60 >&2; die "compile failed"; }
(cd "$N/build" && DESTDIR="$N/stage" /usr/bin/python3 "$MESON/meson.py" install --no-rebuild >"$N/install.log" 2>&1) \
   || { tail -20 "$N/install.log" >&2; die "install failed"; }
mv "$(ls -d "$N"/stage/usr/lib/python3*/site-packages)" "$N/site"
PYTHONPATH=$N/site:$NUMPY_NATIVE /usr/bin/python3 -c 'import scipy, scipy.stats; print(scipy.__version__)' >&2
