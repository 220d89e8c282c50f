#!/usr/bin/env bash
# Native (x86_64) scipy 1.17.1 from the same vendored sources the Open edX runtime compiles for
# wasm32 (the scipy component), built with Debian's python3 3.11.2, gfortran and OpenBLAS, on
# the numpy-native component's numpy 1.26.4: the reference test/scipy compares scipy's own test
# suite against, per subpackage. Not shipped; not needed by CI. Pythran off, as in the wasm build.
#
# Usage: [OPT=0|2] [JOBS=n] python-wasm/openedx/native/build.sh   (as root, once
#        python-wasm/openedx/build.sh has unpacked and patched the scipy component's sources and
#        built its tools and numpy-native: it reuses them; the wasm compile need not be finished)
# Output: /var/tmp/codejail-wasm-openedx-build/native/scipy/site (PYTHONPATH=<that>:<numpy-native>)
# First run 2026-12-07 (OPT=0 JOBS=3, nice 10, beside the wasm build: 21 min); test/scipy/suite.test.ts.
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
rm -rf "$N" && mkdir -p "$N/pc" "$N/bin"
cp -r "$SRC" "$N/src"
cat > "$N/pc/pybind11.pc" <<EOF
Name: pybind11
Description: pybind11 2.13.6 headers
Version: 2.13.6
Cflags: -I$PYBIND11/include
EOF
# The build's tools, as in the wasm build: the vendored Cython (Debian's cython3 is 0.29) and
# numpy-native's f2py (1.26.4), never whatever the caller's PATH has (a pyenv shim's f2py
# generates wrappers for another numpy); nothing else from that PATH.
cat > "$N/bin/cython" <<EOF
#!/bin/sh
exec /usr/bin/python3 $CYTHON/cython.py "\$@"
EOF
cat > "$N/bin/f2py" <<EOF
#!/bin/sh
PYTHONPATH=$NUMPY_NATIVE exec /usr/bin/python3 -P -m numpy.f2py "\$@"
EOF
chmod +x "$N/bin/cython" "$N/bin/f2py"
printf "[binaries]\ncython = '%s'\n" "$N/bin/cython" > "$N/native.ini"
log "native scipy: meson setup + compile"
export PYTHONPATH=$NUMPY_NATIVE PKG_CONFIG_PATH=$N/pc PATH=$N/bin:/usr/sbin:/usr/bin:/sbin:/bin
# OPT: -O2 by default, as Debian builds its scipy (the wasm build is -Os); OPT=0 compiles in a
# third of the time (a reference, not a product: x86_64's SSE2 arithmetic is the same at every
# level, no FMA contraction without -mfma; only the tests run slower).
(cd "$N/src" && /usr/bin/python3 "$MESON/meson.py" setup "$N/build" --native-file "$N/native.ini" --prefix=/usr \
   -Dpython.install_env=auto -Doptimization="${OPT:-2}" -Ddebug=false -Db_ndebug=true \
   -Dblas=openblas -Dlapack=openblas -Duse-pythran=false >"$N/setup.log" 2>&1) \
   || { tail -40 "$N/setup.log" >&2; die "meson setup failed"; }
(cd "$N/build" && ninja -j "$JOBS" >"$N/compile.log" 2>&1) || { grep -A20 FAILED "$N/compile.log" | head -60 >&2; die "compile failed"; }
(cd "$N/build" && DESTDIR="$N/stage" /usr/bin/python3 "$MESON/meson.py" install --no-rebuild >"$N/install.log" 2>&1) \
   || { tail -20 "$N/install.log" >&2; die "install failed"; }
# (Debian's python3 installs into dist-packages)
mv "$(ls -d "$N"/stage/usr/lib/python3*/*-packages)" "$N/site"
PYTHONPATH=$N/site:$NUMPY_NATIVE /usr/bin/python3 -c 'import scipy, scipy.stats; print(scipy.__version__)' >&2
