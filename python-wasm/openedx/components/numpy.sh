#!/usr/bin/env bash
# Component "numpy" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract
# is python-wasm/openedx/README.md): numpy 1.26.4, the Open edX sandbox's pin, cross-compiled for
# wasm32-wasi, its linear algebra on the "openblas" component instead of numpy's lapack_lite.
# The route is the 1.24.2 variant's (docs/adr/0007-numpy.md), with its scripts: numpy's setup.py
# generates the sources natively, python-wasm/numpy/scripts compile them with clang for wasm32.
set -euo pipefail
source "$OPENEDX_LIB"
# Debian's cython3 (0.29.32; numpy 1.26's setup.py wants >= 0.29.30) writes numpy.random's C.
need_debs cython3 python3 python3-dev python3-setuptools build-essential patch
SCRIPTS=$REPO/python-wasm/numpy/scripts

SRC=$(vendor_unpack numpy-1.26.4.tar.gz "$WORK/src")
apply_patches "$SRC"

# Generated sources (templates, API generators, Cython), natively. BLAS=None: what build_src
# writes does not depend on the BLAS, except __config__.py, rewritten below.
log "setup.py build_src (native)"
(cd "$SRC" && env NPY_DISABLE_SVML=1 BLAS=None LAPACK=None ATLAS=None \
   /usr/bin/python3 setup.py -q build_src >"$WORK/build_src.log" 2>&1) || { tail -30 "$WORK/build_src.log" >&2; die "build_src failed"; }
NATIVE_GEN=$SRC/build/src.linux-x86_64-3.11
GEN=$WORK/gen
/usr/bin/python3 "$SCRIPTS/wasm_gen_tree.py" "$SRC" "$NATIVE_GEN" "$GEN" 1.26 >&2
/usr/bin/python3 "$SCRIPTS/check_signatures.py" "$SRC" "$GEN" >&2 || die "C callbacks with the wrong number of parameters"

log "compile numpy for wasm32-wasi"
SYSROOT=$SYSROOT PY_SRC=$PY_SRC PY_WASI=$PY_WASI NPSRC=$SRC GEN=$GEN OUT=$WORK/out OPT=-Os JOBS=$JOBS \
  PREFIX_MAP="$PREFIX_MAP" NUMPY_SERIES=1.26 /usr/bin/python3 "$SCRIPTS/compile_numpy.py" >"$WORK/compile.log" 2>&1 \
  || { grep -v '^ok ' "$WORK/compile.log" | tail -60 >&2; die "compile failed"; }
tail -4 "$WORK/compile.log" >&2
mkdir -p "$OUT/lib"
cp "$WORK/out/python_xerbla.o" "$WORK/out/libnumpy_wasm.a" "$WORK/out/libnumpy_wasm_tests.a" "$OUT/lib/"

# numpy's xerbla as an object, so that it wins over OpenBLAS's archive member (compile_numpy.py).
# long double printf/scanf; numpy's C++ (sorting, text reading, umath_linalg) links against
# cxxrt's libc++, the runtime's only C++ runtime (listed before numpy in components.list).
printf '%s\n' lib/python_xerbla.o lib/libnumpy_wasm.a lib/libnumpy_wasm_tests.a \
  -lc-printscan-long-double > "$OUT/link.txt"
# The 4 test-only modules ship as they do in numpy's wheels (numpy's own tests need them).
cat > "$OUT/inittab.txt" <<'EOF'
numpy.core._multiarray_umath PyInit__multiarray_umath
numpy.core._multiarray_tests PyInit__multiarray_tests
numpy.linalg.lapack_lite PyInit_lapack_lite
numpy.linalg._umath_linalg PyInit__umath_linalg
numpy.fft._pocketfft_internal PyInit__pocketfft_internal
numpy.random._common PyInit__common
numpy.random.bit_generator PyInit_bit_generator
numpy.random._bounded_integers PyInit__bounded_integers
numpy.random._mt19937 PyInit__mt19937
numpy.random._philox PyInit__philox
numpy.random._pcg64 PyInit__pcg64
numpy.random._sfc64 PyInit__sfc64
numpy.random._generator PyInit__generator
numpy.random.mtrand PyInit_mtrand
numpy.core._umath_tests PyInit__umath_tests
numpy.core._rational_tests PyInit__rational_tests
numpy.core._struct_ufunc_tests PyInit__struct_ufunc_tests
numpy.core._operand_flag_tests PyInit__operand_flag_tests
EOF

# The pure-Python part, without tests, f2py, distutils and the PyInstaller hook (as the 1.24.2 zip).
(cd "$SRC" && find numpy -name '*.py' -not -path '*/tests/*' -not -path 'numpy/f2py/*' \
   -not -path 'numpy/distutils/*' -not -path 'numpy/_pyinstaller/*' -not -name setup.py -not -name conftest.py \
   | LC_ALL=C sort | while read -r f; do mkdir -p "$OUT/python/$(dirname "$f")"; cp "$f" "$OUT/python/$f"; done)
# __config__.py as numpy.distutils writes it for an OpenBLAS with CBLAS, whatever BLAS the
# build machine has (build_src probes it).
/usr/bin/python3 - "$NATIVE_GEN/numpy/__config__.py" "$OUT/python/numpy/__config__.py" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
info = "{'libraries': ['openblas', 'openblas'], 'library_dirs': [], 'language': 'c', 'define_macros': [('HAVE_CBLAS', None)]}"
ours = ("openblas_info", "blas_opt_info", "openblas_lapack_info", "lapack_opt_info")
text = re.sub(r"^numpy_linalg_lapack_lite=.*\n", "", text, flags=re.M)
text = re.sub(r"^(\w+_info)=.*$", lambda m: f"{m.group(1)}={info if m.group(1) in ours else '{}'}", text, flags=re.M)
assert all(f"\n{name}={info}\n" in text for name in ours)
open(sys.argv[2], "w").write(text)
EOF
mkdir -p "$OUT/python/numpy-1.26.4.dist-info"
printf 'Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\nSummary: Fundamental package for array computing in Python\nLicense: BSD-3-Clause\n' \
  > "$OUT/python/numpy-1.26.4.dist-info/METADATA"
printf 'numpy\n' > "$OUT/python/numpy-1.26.4.dist-info/top_level.txt"

# For components that compile against numpy (scipy): headers (source + the generated wasm32
# ones), f2py's fortranobject and npymath, laid out as numpy.get_include() and scipy's build
# expect them. Not linked: npymath's objects are in libnumpy_wasm.a.
D=$OUT/devel/numpy
mkdir -p "$D/core/include" "$D/core/lib" "$D/f2py/src"
cp -r "$SRC/numpy/core/include/numpy" "$D/core/include/"
cp "$GEN"/numpy/core/include/numpy/{_numpyconfig.h,__multiarray_api.h,__ufunc_api.h} "$D/core/include/numpy/"
cp "$SRC/numpy/f2py/src/fortranobject.c" "$SRC/numpy/f2py/src/fortranobject.h" "$D/f2py/src/"
(cd "$WORK/out/obj/npymath" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$D/core/lib/libnpymath.a")

{
  echo "source: numpy 1.26.4 (numpy-1.26.4.tar.gz $(sha256sum < "$VENDOR/numpy-1.26.4.tar.gz" | cut -c1-64))"
  echo "patches: $(patch_list)"
  echo "cflags: -Os, --cpu-baseline=none --cpu-dispatch=none; BLAS/LAPACK: the openblas component (HAVE_CBLAS)"
  echo "cython3: $(dpkg-query -W -f='${Version}' cython3)"
} > "$OUT/buildinfo.txt"
