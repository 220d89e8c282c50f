#!/usr/bin/env bash
# Component "openblas" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the
# contract is python-wasm/openedx/README.md): OpenBLAS 0.3.28 for wasm32-wasi with its LAPACK
# translated to C (C_LAPACK=1 NOFORTRAN=1), the BLAS/LAPACK under numpy.linalg and scipy.linalg.
# No Python part, no built-in modules.
set -euo pipefail
source "$OPENEDX_LIB"
need_debs make gcc patch python3

SRC=$(vendor_unpack openblas-0.3.28.tar.gz "$WORK/src")
apply_patches "$SRC"
# Every LAPACK subroutine returns void, as its callers declare it (see the script).
python3 "$COMPONENT_DIR/void_lapack.py" "$SRC" >&2

# RISCV64_GENERIC: OpenBLAS's plain C kernels (the target only names them; nothing RISC-V is
# emitted). BINARY=32, no INTERFACE64: 32-bit BLAS integers, as numpy and scipy call them.
# Single-threaded, no locking: a sandbox instance has one thread. No -fPIC (NEED_PIC=0): the
# objects are linked statically. -O2: these are the hot loops of numpy.linalg.
OPTS=(TARGET=RISCV64_GENERIC HOSTCC=gcc CC="$CCW" AR=llvm-ar-19 RANLIB=llvm-ranlib-19
      NOFORTRAN=1 C_LAPACK=1 NO_LAPACKE=1 USE_THREAD=0 USE_LOCKING=0 NUM_THREADS=1 NO_AFFINITY=1
      NO_SHARED=1 NEED_PIC=0 BINARY=32 NO_WARMUP=1
      COMMON_OPT="-O2 $PREFIX_MAP -DNO_SYSV_IPC -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS")
log "make libs (BLAS kernels and interfaces)"
make -C "$SRC" -j"$JOBS" "${OPTS[@]}" libs >"$WORK/make-libs.log" 2>&1 || { tail -40 "$WORK/make-libs.log" >&2; die "make libs failed"; }
log "make netlib (LAPACK translated to C)"
make -C "$SRC" -j"$JOBS" "${OPTS[@]}" netlib >"$WORK/make-netlib.log" 2>&1 || { tail -40 "$WORK/make-netlib.log" >&2; die "make netlib failed"; }

# make's parallel `ar -ru` calls add members in completion order: rebuild the archive with the
# members sorted, so that two builds give the same bytes.
lib=$(ls "$SRC"/libopenblas_*.a | head -1)
[ "$(llvm-ar-19 t "$lib" | sort | uniq -d | wc -l)" = 0 ] || die "duplicate member names in $lib"
mkdir -p "$WORK/objs" "$OUT/lib"
(cd "$WORK/objs" && llvm-ar-19 x "$lib" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$OUT/lib/libopenblas.a")

# Every definition and every call inside the archive must agree on its wasm signature (a
# mismatch links as a trap): link all members together and refuse any such warning.
$CCW -nostartfiles -Wl,--no-entry -Wl,--no-gc-sections -Wl,--unresolved-symbols=ignore-all \
  -Wl,--whole-archive "$OUT/lib/libopenblas.a" -Wl,--no-whole-archive -o "$WORK/check.wasm" 2>"$WORK/check.log" || true
if grep -q "signature mismatch" "$WORK/check.log"; then
  grep -A2 "signature mismatch" "$WORK/check.log" | head -40 >&2
  die "signature mismatches inside libopenblas.a"
fi

echo "lib/libopenblas.a" > "$OUT/link.txt"
: > "$OUT/inittab.txt"
{
  echo "source: OpenBLAS 0.3.28 (openblas-0.3.28.tar.gz $(sha256sum < "$VENDOR/openblas-0.3.28.tar.gz" | cut -c1-64))"
  echo "patches: $(patch_list) + void_lapack.py"
  echo "config: TARGET=RISCV64_GENERIC C_LAPACK=1 NOFORTRAN=1 BINARY=32 USE_THREAD=0 -O2"
} > "$OUT/buildinfo.txt"
