#!/usr/bin/env bash
# Component "scipy" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract is
# python-wasm/openedx/README.md): scipy 1.17.1, the Open edX sandbox's pin, for wasm32-wasi.
# needs: openblas cxxrt numpy numpy-native
#
# scipy's own meson build does the work (Cython, f2py, tempita and code generators, ~110
# extension modules), cross-compiling through scipy/wasm_cc.py: C/C++ with clang-19 for wasm32,
# Fortran (FITPACK, ODRPACK) through flang-19's IR retargeted to wasm32, and every extension
# module "linked" into an archive of its objects, which this script links into the interpreter
# as built-in modules. Build tools from the vendored sources: meson 1.5.2, Cython 3.0.11 (compiled
# natively here, for speed), pybind11 2.13.6; numpy's f2py and build-time imports come from the
# numpy-native component (the same numpy 1.26.4 source, built for the build machine).
set -euo pipefail
source "$OPENEDX_LIB"
need_debs flang-19 llvm-19 ninja-build pkg-config python3 python3-dev build-essential patch

NUMPY=$COMPONENTS/numpy/out
NUMPY_NATIVE=$COMPONENTS/numpy-native/out
CXXRT=$COMPONENTS/cxxrt/out
OPENBLAS=$COMPONENTS/openblas/out
for d in "$NUMPY/devel" "$NUMPY_NATIVE/numpy" "$CXXRT/include" "$OPENBLAS/lib"; do
  [ -e "$d" ] || die "missing $d (build the components scipy needs first)"
done

# SCIPY_CONTINUE=1 (scipy/continue.sh): keep the configured build in $WORK/build and let ninja
# carry on where it stopped (the compile takes hours on a shared 2-core machine); every other
# run starts from nothing, as build.sh empties $WORK.
if [ "${SCIPY_CONTINUE:-}" = 1 ] && [ -f "$WORK/build/build.ninja" ]; then
  CONTINUE=1
  MESON=$(ls -d "$WORK"/meson/*/); MESON=${MESON%/}
  X=$WORK/cross
  log "continuing the configured build in $WORK/build"
else
CONTINUE=0
# 1. Tools.
MESON=$(vendor_unpack meson-1.5.2.tar.gz "$WORK/meson")
PYBIND11=$(vendor_unpack pybind11-2.13.6.tar.gz "$WORK/pybind11")
CYTHON=$(vendor_unpack cython-3.0.11.tar.gz "$WORK/cython")
log "Cython 3.0.11: compile it natively (the pure-Python Cython is several times slower)"
(cd "$CYTHON" && /usr/bin/python3 setup.py -q build_ext --inplace -j "$JOBS" >"$WORK/cython-build.log" 2>&1) \
  || { tail -20 "$WORK/cython-build.log" >&2; die "building Cython failed"; }

# 2. Sources: scipy and its submodules at the paths its .gitmodules names.
SRC=$(vendor_unpack scipy-1.17.1.tar.gz "$WORK/scipy")
sub() { # vendor-archive path-in-scipy
  local d
  d=$(vendor_unpack "$1" "$WORK/sub-$(basename "$2")")
  rm -rf "${SRC:?}/$2" && mkdir -p "$(dirname "$SRC/$2")" && mv "$d" "$SRC/$2"
}
sub scipy-1.17.1-sub-array_api_compat.tar.gz scipy/_lib/array_api_compat
sub scipy-1.17.1-sub-array_api_extra.tar.gz scipy/_lib/array_api_extra
sub scipy-1.17.1-sub-cobyqa.tar.gz scipy/_lib/cobyqa
sub scipy-1.17.1-sub-pocketfft.tar.gz scipy/_lib/pocketfft
sub scipy-1.17.1-sub-unuran.tar.gz scipy/_lib/unuran
sub scipy-1.17.1-sub-boost_math.tar.gz subprojects/boost_math/math
sub scipy-1.17.1-sub-xsf.tar.gz subprojects/xsf
sub highs-1.12.0.tar.gz subprojects/highs
apply_patches "$SRC"
# Every C callback CPython calls must take the parameters CPython passes (an indirect call with
# another signature traps on wasm): numpy's checker over scipy's hand-written extension sources
# (Cython's and f2py's output is right by construction; pybind11 is C++ templates).
SIG=$WORK/signature-check
mkdir -p "$SIG/a/numpy" "$SIG/b/numpy"
(cd "$SRC" && grep -rlE 'PyMethodDef|PyGetSetDef|PyTypeObject' --include='*.c' --include='*.cc' --include='*.cpp' \
   --include='*.h' scipy | grep -v /tests/ | LC_ALL=C sort) | while read -r f; do
  cp "$SRC/$f" "$SIG/a/numpy/$(printf '%s' "$f" | tr / _ | sed -E 's/[.](cc|cpp|h)$/.c/')"
done
/usr/bin/python3 "$REPO/python-wasm/numpy/scripts/check_signatures.py" "$SIG/a" "$SIG/b" >&2 \
  || die "C callbacks with the wrong number of parameters (see above)"

# 3. The cross environment: compilers, the target Python, pkg-config files.
X=$WORK/cross
mkdir -p "$X/pkgconfig" "$X/sysconfig" "$X/include/python3.11"
cp -r "$PY_SRC/Include/." "$X/include/python3.11/"
cp "$PY_WASI/pyconfig.h" "$X/include/python3.11/"
# The target interpreter's sysconfig (extension suffix, sizes, flags), with the include and
# pkg-config directories of this cross environment.
SYSCONFIG=$(ls "$PY_WASI"/build/lib.wasi-wasm32-3.11/_sysconfigdata__wasi_wasm32-wasi.py)
/usr/bin/python3 - "$SYSCONFIG" "$X/sysconfig/_sysconfigdata__wasi_wasm32-wasi.py" "$X" <<'EOF'
import sys
src, dst, x = sys.argv[1:4]
ns = {}
exec(open(src).read(), ns)
v = ns["build_time_vars"]
v.update(INCLUDEPY=f"{x}/include/python3.11", CONFINCLUDEPY=f"{x}/include/python3.11", LIBPC=f"{x}/pkgconfig",
         CFLAGS="-DNDEBUG -fwrapv", OPT="-DNDEBUG -fwrapv", LDSHARED="wasm_cc.py -shared")
open(dst, "w").write("build_time_vars = " + repr(v) + "\n")
EOF
cat > "$X/python3" <<EOF
#!/bin/sh
# The Python meson sees: the build machine's python3 (same 3.11.2) with the wasm32 interpreter's
# sysconfig, and the native numpy 1.26.4 (f2py, numpy.get_include is not used: see the cross file).
export _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__wasi_wasm32-wasi _PYTHON_HOST_PLATFORM=wasi-wasm32
export PYTHONPATH=$X/sysconfig:$NUMPY_NATIVE:$CYTHON
exec /usr/bin/python3 "\$@"
EOF
chmod +x "$X/python3"
cat > "$X/pkgconfig/python-3.11.pc" <<EOF
Name: Python
Description: CPython 3.11 for wasm32-wasi (codejail-wasm)
Version: 3.11
Cflags: -I$X/include/python3.11
Libs:
EOF
cat > "$X/pkgconfig/openblas.pc" <<EOF
Name: openblas
Description: OpenBLAS 0.3.28 for wasm32-wasi (the openblas component)
Version: 0.3.28
Cflags:
Libs: -L$OPENBLAS/lib -lopenblas
EOF
cat > "$X/pkgconfig/pybind11.pc" <<EOF
Name: pybind11
Description: pybind11 2.13.6 headers
Version: 2.13.6
Cflags: -I$PYBIND11/include
Libs:
EOF
CC_WRAP=$COMPONENT_DIR/wasm_cc.py
ini_list() { local a s=""; for a in "$@"; do s+="'$a', "; done; echo "[${s%, }]"; }
DEFS="-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_GETPID"
# (C++: pocketfft, for scipy.fft, and Boost.Math without threads: the sandbox has one; libc++
# for wasm32-wasi has the <thread>/<mutex> headers Boost looks for, but not their contents)
cat > "$X/wasm32-wasi.ini" <<EOF
[binaries]
c = ['/usr/bin/python3', '$CC_WRAP', 'c']
cpp = ['/usr/bin/python3', '$CC_WRAP', 'c++']
fortran = ['/usr/bin/python3', '$CC_WRAP', 'fortran']
ar = 'llvm-ar-19'
strip = 'llvm-strip-19'
pkg-config = 'pkg-config'
python = '$X/python3'

[host_machine]
system = 'wasi'
cpu_family = 'wasm32'
cpu = 'wasm32'
endian = 'little'

[properties]
needs_exe_wrapper = true
numpy-include-dir = '$NUMPY/devel/numpy/core/include'
pkg_config_libdir = ['$X/pkgconfig']

[built-in options]
c_args = $(ini_list $PREFIX_MAP $DEFS)
cpp_args = $(ini_list $PREFIX_MAP $DEFS -DPOCKETFFT_NO_MULTITHREADING -DBOOST_MATH_DISABLE_THREADS)
EOF
# meson takes the Cython compiler from the build machine's binaries: the vendored Cython 3.0.11
# (Debian's cython3 is 0.29), with numpy-native's .pxd files on its path
# (one executable: scipy's generators run the first word of the compiler's command)
mkdir -p "$X/bin"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$X/python3" "$CYTHON/cython.py" > "$X/bin/cython"
chmod +x "$X/bin/cython"
cat > "$X/native.ini" <<EOF
[binaries]
cython = '$X/bin/cython'
EOF
# scipy's build runs `f2py` from PATH and Python generators that import numpy: numpy-native's
# (1.26.4), never whatever numpy the build machine has; and nothing else from the caller's PATH.
cat > "$X/bin/f2py" <<EOF
#!/bin/sh
PYTHONPATH=$NUMPY_NATIVE exec /usr/bin/python3 -P -m numpy.f2py "\$@"
EOF
chmod +x "$X/bin/f2py"
fi
export PATH=$X/bin:/usr/sbin:/usr/bin:/sbin:/bin PYTHONPATH=$NUMPY_NATIVE
# setjmp.h for the wrapper's -isystem (it looks in $WASM_CC_DIR/include)
export WASM_SYSROOT=$SYSROOT WASM_CC_DIR=$CXXRT

# 4. meson: configure, build, install into a staging tree.
if [ "$CONTINUE" = 0 ]; then
  log "meson setup"
  (cd "$SRC" && /usr/bin/python3 "$MESON/meson.py" setup "$WORK/build" --cross-file "$X/wasm32-wasi.ini" \
     --native-file "$X/native.ini" --prefix=/usr -Doptimization=s -Ddebug=false -Db_ndebug=true \
     -Dblas=openblas -Dlapack=openblas -Duse-pythran=false >"$WORK/setup.log" 2>&1) \
     || { tail -60 "$WORK/setup.log" >&2; die "meson setup failed"; }
fi
log "meson compile"
# (continuing: -k 0, so that one failing step does not stop the others while it is being fixed)
(cd "$WORK/build" && ninja -j "$JOBS" $([ "$CONTINUE" = 1 ] && echo -k 0) >>"$WORK/compile.log" 2>&1) || { grep -B5 -A20 'FAILED' "$WORK/compile.log" | tail -120 >&2; die "scipy compile failed"; }
log "meson install"
(cd "$WORK/build" && DESTDIR="$WORK/stage" /usr/bin/python3 "$MESON/meson.py" install --no-rebuild >"$WORK/install.log" 2>&1) \
  || { tail -30 "$WORK/install.log" >&2; die "meson install failed"; }

# 5. The extension modules: archives, inittab, link list; the Fortran I/O no-ops.
mkdir -p "$OUT/lib"
$CCW -O2 $PREFIX_MAP -c "$COMPONENT_DIR/fortran_io_stubs.c" -o "$WORK/fortran_io_stubs.o"
llvm-ar-19 rcsD "$OUT/lib/libfortran_io_stubs.a" "$WORK/fortran_io_stubs.o"
# (Debian's python3 installs into dist-packages)
SITE=$(ls -d "$WORK"/stage/usr/lib/python3*/*-packages)
# scipy/__config__.py records the compile commands, which name the checkout the build was
# configured from (wasm_cc.py's path, -ffile-prefix-map=<checkout>=/src; continue.sh may run from
# another): written as /src, as the prefix map writes it in the objects, so that the zip does not
# depend on where the repository is checked out.
configured=$(sed -n 's|.*, \(/[^,]*\)/python-wasm/openedx/components/scipy/wasm_cc\.py, .*|\1|p' "$SITE/scipy/__config__.py" | sort -u)
[ "$(printf '%s\n' "$configured" | grep -c .)" = 1 ] || die "scipy/__config__.py names no single checkout: $configured"
sed -i "s|$configured|/src|g" "$SITE/scipy/__config__.py"
# meson installs each module's .so (the archive) but not wasm_cc.py's .so.deps beside it: from
# the build tree, at the same path or (two modules built in a subdirectory) by its unique name
(cd "$SITE" && find scipy -name '*.so' | LC_ALL=C sort) | while read -r so; do
  deps=$WORK/build/$so.deps
  [ -f "$deps" ] || deps=$(find "$WORK/build/scipy" -name "$(basename "$so").deps")
  [ "$(printf '%s\n' "$deps" | grep -c .)" = 1 ] && [ -f "$deps" ] || die "no single .so.deps for $so"
  cp "$deps" "$SITE/$so.deps"
done
# Every function a module takes from OpenBLAS (or from a static library it links: FITPACK for
# _dfitpack) is declared with the wasm signature it is defined with. f2py's modules call theirs
# through function pointers, where a mismatch traps only when called and wasm-ld says nothing.
/usr/bin/python3 "$COMPONENT_DIR/check_lapack_abi.py" --site "$SITE" "$OPENBLAS/lib/libopenblas.a" >&2 \
  || die "scipy calls functions with other signatures than they are defined with (see above; patch 0016's kind)"
/usr/bin/python3 "$COMPONENT_DIR/collect_modules.py" "$SITE" "$OUT" >&2

{
  echo "source: scipy 1.17.1 (scipy-1.17.1.tar.gz $(sha256sum < "$VENDOR/scipy-1.17.1.tar.gz" | cut -c1-64)) + submodules (scipy-1.17.1-sub-*.tar.gz, highs-1.12.0.tar.gz)"
  echo "patches: $(patch_list)"
  echo "build: meson 1.5.2, Cython 3.0.11, pybind11 2.13.6 (vendored); -Os; BLAS/LAPACK: the openblas component; Fortran: flang-19 $(dpkg-query -W -f='${Version}' flang-19) IR retargeted to wasm32"
} > "$OUT/buildinfo.txt"
