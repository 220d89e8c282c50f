#!/usr/bin/env bash
# Component "numpy-native" of the Open edX runtime build (python-wasm/openedx/build.sh runs it):
# numpy 1.26.4 from the same vendored source, built for the build machine (x86_64, Debian's
# python3 3.11.2 and OpenBLAS). Nothing of it is linked into the runtime. It is what scipy's
# build runs (f2py, and the numpy imports of its code generators and Cython), and the native
# reference for the numpy/scipy test-suite comparisons (test/numpy, test/scipy).
# Output: $OUT/numpy (import it with PYTHONPATH=$OUT), empty link.txt and inittab.txt.
set -euo pipefail
source "$OPENEDX_LIB"
need_debs cython3 python3-dev python3-setuptools build-essential libopenblas-dev pkg-config

SRC=$(vendor_unpack numpy-1.26.4.tar.gz "$WORK/src")
log "native numpy 1.26.4 (setup.py build_ext --inplace, Debian's OpenBLAS)"
# The vendored tree lacks the x86-simd-sort submodule (AVX-512 sorting): no AVX-512 dispatch.
(cd "$SRC" && env NPY_BLAS_ORDER=openblas NPY_LAPACK_ORDER=openblas NPY_DISABLE_SVML=1 \
   /usr/bin/python3 setup.py build_ext --inplace -j "$JOBS" --cpu-dispatch="max -xop -fma4 -avx512f -avx512cd \
     -avx512_knl -avx512_knm -avx512_skx -avx512_clx -avx512_cnl -avx512_icl -avx512_spr" >"$WORK/build.log" 2>&1) \
   || { tail -40 "$WORK/build.log" >&2; die "native numpy build failed"; }
mv "$SRC/numpy" "$OUT/numpy"
PYTHONPATH=$OUT /usr/bin/python3 -c 'import numpy, numpy.f2py; assert numpy.__version__ == "1.26.4"' \
  || die "the native numpy does not import"
: > "$OUT/link.txt"
: > "$OUT/inittab.txt"
echo "source: numpy 1.26.4 (numpy-1.26.4.tar.gz), native x86_64 build with Debian's OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas-dev); build-time tool and test reference, not linked" > "$OUT/buildinfo.txt"
