#!/usr/bin/env bash
# Component "cxxrt" of the Open edX runtime (python-wasm/openedx/build.sh runs it; the contract
# is python-wasm/openedx/README.md): the C++ runtime with exceptions, and setjmp/longjmp.
#
# Debian's wasm32 libc++/libc++abi are built without exceptions (no __cxa_throw; libc++'s own
# throwers abort) and wasi-libc has no setjmp. scipy's C++ (pybind11, HiGHS, Boost) throws and
# catches, and qhull's error handling longjmps. So libunwind (its wasm part), libc++abi and
# libc++ are rebuilt from Debian's LLVM 19 source (the compiler's own version) with
# -fwasm-exceptions, and setjmp/longjmp get the small runtime LLVM's wasm SjLj lowering calls
# (sjlj.c; header setjmp.h, installed in $OUT/include for the components that compile with it).
# Later components must not link Debian's -lc++/-lc++abi: these replace them.
set -euo pipefail
source "$OPENEDX_LIB"
need_debs dpkg-dev xz-utils libc++-19-dev-wasm32
LLVM_VERSION=1:19.1.7-3~deb12u1
[ "$(dpkg-query -W -f='${Version}' clang-19)" = "$LLVM_VERSION" ] || die "clang-19 is not $LLVM_VERSION"

log "llvm-toolchain-19=$LLVM_VERSION source (libunwind, libc++abi, libc++)"
(cd "$WORK" && apt-get source -q --download-only "llvm-toolchain-19=$LLVM_VERSION" >/dev/null 2>&1) \
  || die "apt-get source llvm-toolchain-19=$LLVM_VERSION failed"
tar -xJf "$WORK"/llvm-toolchain-19_*.orig.tar.xz -C "$WORK" --wildcards \
  '*/libunwind/include/*' '*/libunwind/src/*' '*/libcxxabi/include/*' '*/libcxxabi/src/*' '*/libcxx/src/*'
rm -f "$WORK"/llvm-toolchain-19_*.orig.tar.xz
L=$(ls -d "$WORK"/llvm-toolchain-19_*/)
L=${L%/}

# Single-threaded, exceptions on; the headers are Debian's libc++ 19 headers for wasm32 (the
# ones every component compiles against), the sources the same release.
FL=(-O2 -fwasm-exceptions -DNDEBUG $PREFIX_MAP)
mkdir -p "$WORK/obj/unwind" "$WORK/obj/abi" "$WORK/obj/cxx" "$WORK/obj/sjlj" "$OUT/lib" "$OUT/include"
# libc++'s configuration: Debian's for wasm32 with file streams on. Debian turns them off with
# the rest of <filesystem>, but WASI has files (the sandbox's are in memory) and scipy's C++
# opens them (fast_matrix_market's mmread/mmwrite by path, HiGHS's model and option files).
# $OUT/include comes before Debian's headers on every include path that names it (this
# component's libc++ units, which then instantiate basic_filebuf/ifstream/ofstream, and every
# C++ compile of the components using cxxrt); std::filesystem's operations stay unbuilt.
DEB_CONFIG=$SYSROOT/include/wasm32-wasi/c++/v1/__config_site
sed 's|^#define _LIBCPP_HAS_NO_FILESYSTEM$|/* #undef _LIBCPP_HAS_NO_FILESYSTEM */|' "$DEB_CONFIG" > "$OUT/include/__config_site"
grep -qx '/\* #undef _LIBCPP_HAS_NO_FILESYSTEM \*/' "$OUT/include/__config_site" \
  || die "$DEB_CONFIG does not define _LIBCPP_HAS_NO_FILESYSTEM as expected"
$CCW "${FL[@]}" -D_LIBUNWIND_HAS_NO_THREADS -D_LIBUNWIND_HIDE_SYMBOLS -I"$L/libunwind/include" \
  -c "$L/libunwind/src/Unwind-wasm.c" -o "$WORK/obj/unwind/Unwind-wasm.o"
ABI="cxa_aux_runtime cxa_default_handlers cxa_demangle cxa_exception_storage cxa_guard cxa_handlers
  cxa_vector cxa_virtual stdlib_exception stdlib_stdexcept stdlib_typeinfo abort_message fallback_malloc
  private_typeinfo stdlib_new_delete cxa_exception cxa_personality"
# libc++'s sources as Debian's libc++.a for wasm32 has them (no threads, no filesystem ops).
CXX="algorithm any bind call_once charconv chrono error_category exception expected
  filesystem/filesystem_clock filesystem/filesystem_error filesystem/path functional hash
  legacy_pointer_safety memory memory_resource new_handler new_helpers optional print random_shuffle
  ryu/d2fixed ryu/d2s ryu/f2s stdexcept string system_error typeinfo valarray variant vector
  verbose_abort random fstream ios ios.instantiations iostream locale ostream regex strstream"
ABIFLAGS=(-std=c++20 -D_LIBCXXABI_BUILDING_LIBRARY -D_LIBCPP_BUILDING_LIBRARY -D_LIBCXXABI_HAS_NO_THREADS
  -DLIBCXXABI_USE_LLVM_UNWINDER -I"$L/libcxxabi/include" -I"$L/libcxx/src" -I"$L/libunwind/include")
CXXFLAGS=(-std=c++23 -isystem "$OUT/include" -D_LIBCPP_BUILDING_LIBRARY -DLIBCXX_BUILDING_LIBCXXABI -I"$L/libcxx/src"
  -I"$L/libcxxabi/include" -Wno-user-defined-literals)
# one compile command per line, run $JOBS at a time
{
  for f in $ABI; do echo "$CXXW ${FL[*]} ${ABIFLAGS[*]} -c $L/libcxxabi/src/$f.cpp -o $WORK/obj/abi/$f.o"; done
  for f in $CXX; do echo "$CXXW ${FL[*]} ${CXXFLAGS[*]} -c $L/libcxx/src/$f.cpp -o $WORK/obj/cxx/${f//\//_}.o"; done
} > "$WORK/compile.cmds"
log "compile libc++abi and libc++ ($(wc -l < "$WORK/compile.cmds") units)"
xargs -P "$JOBS" -d '\n' -I{} sh -c '{}' < "$WORK/compile.cmds" || die "libc++abi/libc++ compile failed"
$CCW -O2 -mllvm -wasm-enable-sjlj -mexception-handling $PREFIX_MAP -c "$COMPONENT_DIR/sjlj.c" -o "$WORK/obj/sjlj/sjlj.o"
# __cxa_thread_atexit (thread_local objects with destructors: scipy's _uarray): libc++abi's
# needs thread keys, which libc++ without threads lacks; with one thread it is __cxa_atexit
$CCW -O2 $PREFIX_MAP -c "$COMPONENT_DIR/thread_atexit.c" -o "$WORK/obj/abi/thread_atexit.o"

for kind in unwind abi cxx sjlj; do
  (cd "$WORK/obj/$kind" && ls | LC_ALL=C sort | xargs llvm-ar-19 rcsD "$OUT/lib/lib$kind.a")
done
cp "$COMPONENT_DIR/setjmp.h" "$OUT/include/setjmp.h"

# Self-test: a C++ program that throws and catches (through destructors, from libc++'s own
# throwers, catch (...) and rethrow) and longjmps, linked with these libraries, put through the
# post-link pipeline as the runtime is, run in the sandbox's WASI host and fuel meter.
log "self-test (C++ exceptions, setjmp/longjmp) in the sandbox's WASI host"
T=$WORK/selftest
mkdir -p "$T"
$CXXW -O2 -fwasm-exceptions -isystem "$OUT/include" $PREFIX_MAP -c "$COMPONENT_DIR/selftest.cpp" -o "$T/selftest.o"
$CCW -O2 -mllvm -wasm-enable-sjlj -mexception-handling -isystem "$OUT/include" $PREFIX_MAP \
  -c "$COMPONENT_DIR/selftest_sjlj.c" -o "$T/selftest_sjlj.o"
$CXXW -fwasm-exceptions -nostdlib++ -o "$T/linked.wasm" "$T/selftest.o" "$T/selftest_sjlj.o" \
  "$OUT/lib/libcxx.a" "$OUT/lib/libabi.a" "$OUT/lib/libunwind.a" "$OUT/lib/libsjlj.a"
llvm-strip-19 -o "$T/stripped.wasm" "$T/linked.wasm"
NODE=$REPO/node_modules/.bin/node
[ -x "$NODE" ] || NODE=node
"$NODE" "$REPO/python-wasm/scripts/postlink.mjs" "$T/stripped.wasm" "$T/selftest.wasm" "$T/selftest-nofuel.wasm" >/dev/null
# The host's modules, compiled from the repository's TypeScript (not its dist/, which may be
# stale), in the repository (where tsc finds Node's type definitions).
(cd "$REPO" && node_modules/.bin/tsc --target ES2022 --module NodeNext --moduleResolution NodeNext --strict \
  --skipLibCheck --rootDir src --outDir "$T/dist/src" src/sandbox/wasi/WasiHost.ts src/sandbox/DirtyChunks.ts \
  src/sandbox/fuel.ts) || die "compiling the host's modules for the self-test failed"
"$NODE" "$COMPONENT_DIR/selftest.mjs" "$T/selftest.wasm" "$T/dist" >&2 || die "self-test failed"
printf '%s\n' lib/libcxx.a lib/libabi.a lib/libunwind.a lib/libsjlj.a > "$OUT/link.txt"
: > "$OUT/inittab.txt"
{
  echo "source: llvm-toolchain-19 $LLVM_VERSION (Debian): libunwind (Unwind-wasm.c), libc++abi, libc++ (sources of Debian's wasm32 libc++.a)"
  echo "cflags: -O2 -fwasm-exceptions, no threads, file streams on (include/__config_site); setjmp/longjmp runtime: sjlj.c"
} > "$OUT/buildinfo.txt"
