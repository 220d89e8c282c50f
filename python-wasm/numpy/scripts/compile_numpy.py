#!/usr/bin/env python3
"""compile_numpy.py: cross-compile numpy 1.24's or 1.26's C/C++ sources for wasm32-wasi.

Environment: SYSROOT, PY_SRC (CPython source tree), PY_WASI (CPython wasm build dir, holds the
wasm pyconfig.h), NPSRC (patched numpy tree), GEN (wasm_gen_tree.py output), OUT (objects and
archives), OPT (default -Os), JOBS, PREFIX_MAP (extra -ffile-prefix-map flags),
NUMPY_SERIES (1.24, the default: numpy's bundled lapack_lite; 1.26: BLAS and LAPACK from the
OpenBLAS component, as numpy's setup.py builds against a CBLAS-providing OpenBLAS).

Outputs: $OUT/libnumpy_wasm.a (the 14 extension modules numpy needs) and
$OUT/libnumpy_wasm_tests.a (numpy.core's 4 test-only extension modules); for 1.26 also
$OUT/python_xerbla.o (numpy's xerbla, which replaces LAPACK's: linked as an object so that it
wins over the OpenBLAS archive's member, as natively the extension module's copy is found first).
The source list mirrors what numpy/core/setup.py, linalg/setup.py, fft/setup.py and
random/setup.py build, minus the SIMD-only parts (_simd, x86-qsort) and SVML.
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time

E = os.environ
SYSROOT, PYS, PYW = E["SYSROOT"], E["PY_SRC"], E["PY_WASI"]
NP, GEN, OUT = E["NPSRC"], E["GEN"], E["OUT"]
JOBS = int(E.get("JOBS") or os.cpu_count() or 2)
OPT = E.get("OPT", "-Os").split()
PREFIX_MAP = E.get("PREFIX_MAP", "").split()

CC = ["clang-19", "--target=wasm32-wasi", f"--sysroot={SYSROOT}"]
CXX = ["clang++-19", "--target=wasm32-wasi", f"--sysroot={SYSROOT}"]
BASE = OPT + PREFIX_MAP + [
    "-fwrapv", "-DNDEBUG",
    "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS", "-D_WASI_EMULATED_GETPID",
    "-D_FILE_OFFSET_BITS=64", "-D_LARGEFILE_SOURCE=1", "-D_LARGEFILE64_SOURCE=1",
    "-Wno-unused-function", "-Wno-unknown-pragmas",
    "-Wno-error=int-conversion", "-Wno-error=incompatible-function-pointer-types",
]
CFLAGS = ["-std=gnu99"]
SERIES = E.get("NUMPY_SERIES", "1.24")
# numpy's C++ flags (1.24: NPY_CXX_FLAGS; 1.26: setup.py's std_cxx_flags, C++17), plus: CPython
# 3.11's WASI-only pthread_stubs.h uses C99 `restrict`.
if SERIES == "1.24":
    CXXFLAGS = ["-std=c++11", "-D__STDC_VERSION__=0", "-fno-exceptions", "-fno-rtti", "-Drestrict=__restrict"]
else:
    CXXFLAGS = ["-std=c++17", "-fno-threadsafe-statics", "-D__STDC_VERSION__=0", "-fno-exceptions", "-fno-rtti",
                "-Drestrict=__restrict"]
PYINC = [f"-I{PYS}/Include", f"-I{PYW}"]

core, gcore = f"{NP}/numpy/core", f"{GEN}/numpy/core"
CORE = ["-DNPY_INTERNAL_BUILD=1", "-DHAVE_NPY_CONFIG_H=1",
        f"-I{core}/include", f"-I{gcore}/include/numpy", f"-I{gcore}/include",
        f"-I{GEN}/numpy/distutils/include", f"-I{core}/src/common", f"-I{core}/src", f"-I{core}"] + \
    [f"-I{core}/src/{d}" for d in ("npymath", "multiarray", "umath", "npysort", "_simd")] + PYINC + \
    [f"-I{gcore}/src/{d}" for d in ("common", "npymath", "multiarray", "umath", "npysort")]


def csrc(rel):
    """A core source; `.src` templates were expanded by build_src into the generated tree."""
    return f"{gcore}/src/{rel[:-4]}" if rel.endswith(".src") else f"{core}/src/{rel}"


def names(d, words, ext=".c"):
    return [csrc(f"{d}/{w}" if w.endswith(".src") else f"{d}/{w}{ext}") for w in words.split()]


units = []  # (archive, group, source, flags)


def add(archive, group, sources, flags):
    units.extend((archive, group, s, flags) for s in sources)


MULTIARRAY = """
    abstractdtypes alloc arrayobject arraytypes.c.src argfunc.dispatch.c.src array_coercion array_method
    array_assign_scalar array_assign_array arrayfunction_override buffer calculation compiled_base common
    common_dtype convert convert_datatype conversion_utils ctors datetime datetime_strings datetime_busday
    datetime_busdaycal descriptor dlpack dtypemeta dragon4 dtype_transfer einsum.c.src einsum_sumprod.c.src
    experimental_public_dtype_api flagsobject getset hashdescr item_selection iterators
    legacy_dtype_implementation lowlevel_strided_loops.c.src mapping methods multiarraymodule
    nditer_templ.c.src nditer_api nditer_constr nditer_pywrap number refcount sequence shape scalarapi
    scalartypes.c.src strfuncs temp_elide typeinfo usertypes vdot"""
UMATH = """
    umathmodule reduction loops.c.src loops_unary_fp.dispatch.c.src loops_arithm_fp.dispatch.c.src
    loops_arithmetic.dispatch.c.src loops_minmax.dispatch.c.src loops_trigonometric.dispatch.c.src
    loops_umath_fp.dispatch.c.src loops_exponent_log.dispatch.c.src loops_hyperbolic.dispatch.c.src
    loops_modulo.dispatch.c.src loops_comparison.dispatch.c.src matmul.c.src dispatching
    legacy_array_method wrapping_array_method ufunc_object extobj scalarmath.c.src
    ufunc_type_resolution override _scaled_float_dtype"""
if SERIES == "1.24":
    halffloat, common_extra, ma = csrc("npymath/halffloat.c"), "", CORE
    multiarray_extra = umath_extra = ""
else:
    # numpy 1.26: halffloat in C++, dtype_traversal, five more dispatchable loop files; with a
    # CBLAS the whole of _multiarray_umath gets HAVE_CBLAS and cblasfuncs.c (numpy/core/setup.py)
    halffloat, common_extra, ma = csrc("npymath/halffloat.cpp"), " cblasfuncs", CORE + ["-DHAVE_CBLAS"]
    multiarray_extra = " dtype_traversal"
    umath_extra = """ loops_unary.dispatch.c.src loops_unary_fp_le.dispatch.c.src loops_logical.dispatch.c.src
    loops_unary_complex.dispatch.c.src loops_autovec.dispatch.c.src"""
add("main", "npymath", [csrc("npymath/npy_math.c"), csrc("npymath/ieee754.c.src"),
                        csrc("npymath/npy_math_complex.c.src"), halffloat], CORE)
add("main", "common", names("common", "array_assign mem_overlap npy_argparse npy_hashtable npy_longdouble "
                                      "ucsnarrow ufunc_override numpyos npy_cpu_features" + common_extra), ma)
add("main", "multiarray", names("multiarray", MULTIARRAY + multiarray_extra), ma)
add("main", "textreading", names("multiarray/textreading", "conversions field_types growth readtext rows "
                                                           "stream_pyobject str_to_int"), ma)
add("main", "textreading", names("multiarray/textreading", "tokenize", ".cpp"), ma)
add("main", "npysort", names("npysort", "quicksort mergesort timsort heapsort radixsort selection binsearch",
                             ".cpp"), ma)
add("main", "umath", names("umath", UMATH + umath_extra), ma)
add("main", "umath", names("umath", "clip string_ufuncs", ".cpp"), ma)
# numpy.core._add_newdocs imports numpy.core._multiarray_tests at import time, so it ships.
add("main", "multiarray", [csrc("multiarray/_multiarray_tests.c.src")], CORE)
# test-only extension modules (numpy's own test suite), in their own archive
add("tests", "tests", [csrc("umath/_umath_tests.c.src"), csrc("umath/_umath_tests.dispatch.c"),
                       csrc("umath/_rational_tests.c"), csrc("umath/_struct_ufunc_tests.c"),
                       csrc("umath/_operand_flag_tests.c")], CORE)

LINALG = [f"-I{core}/include", f"-I{gcore}/include/numpy", f"-I{gcore}/include",
          f"-I{core}/src/common", f"-I{gcore}/src/common"] + PYINC
if SERIES != "1.24":
    # 1.26's npy_config.h includes the CPU dispatch configuration in every extension module
    LINALG += [f"-I{GEN}/numpy/distutils/include"]
if SERIES == "1.24":
    lite = f"{NP}/numpy/linalg/lapack_lite"
    # the f2c'd reference BLAS/LAPACK subset, shared by lapack_lite and _umath_linalg (same flags in both)
    add("main", "linalg", [f"{lite}/{n}.c" for n in "python_xerbla f2c_z_lapack f2c_c_lapack f2c_d_lapack "
                           "f2c_s_lapack f2c_lapack f2c_blas f2c_config f2c".split()],
        LINALG + ["-Wno-parentheses", "-Wno-logical-op-parentheses"])
else:
    # one xerbla for the whole runtime (numpy builds the same file into three modules)
    add("xerbla", "xerbla", [csrc("common/python_xerbla.c")], CORE)
add("main", "linalg", [f"{NP}/numpy/linalg/lapack_litemodule.c"], LINALG)
add("main", "linalg", [f"{NP}/numpy/linalg/umath_linalg.cpp"], LINALG + [f"-I{core}/src/npymath"])
add("main", "fft", [f"{NP}/numpy/fft/_pocketfft.c"], LINALG)

R = f"{NP}/numpy/random"
RANDOM = [f"-I{R}", f"-I{R}/src", f"-I{core}/include", f"-I{gcore}/include/numpy", f"-I{gcore}/include"] + \
    PYINC + ["-DNPY_NO_DEPRECATED_API=0", "-U__GNUC_GNU_INLINE__"]
add("main", "random", [f"{R}/src/distributions/{n}.c" for n in
                       "logfactorial distributions random_mvhg_count random_mvhg_marginals "
                       "random_hypergeometric".split()], RANDOM)
for bitgen in ("mt19937", "philox", "pcg64", "sfc64"):
    add("main", "random", [f"{R}/src/{bitgen}/{bitgen}.c"], RANDOM + [f"-I{R}/src/{bitgen}"])
add("main", "random", [f"{R}/src/mt19937/mt19937-jump.c"], RANDOM + [f"-I{R}/src/mt19937"])
add("main", "random", [f"{R}/{m}.c" for m in "_mt19937 _philox _pcg64 _sfc64 _common bit_generator "
                       "_generator _bounded_integers".split()], RANDOM + [f"-I{R}/src/legacy"])

# mtrand (RandomState) is built by numpy with NP_RANDOM_LEGACY=1 and its own copy of
# distributions.c. That macro turns RAND_INT_TYPE from int64_t into C `long`, which is 32-bit
# on wasm32, so in one static link the two copies would be the same symbols with different
# ABIs. The legacy copy gets its symbols renamed to mtrand_random_* (header generated below).
RENAME_H = f"{OUT}/mtrand_rename.h"
LEGACY = RANDOM + [f"-I{R}/src/legacy", "-DNP_RANDOM_LEGACY=1", "-include", RENAME_H]
add("main", "random_legacy", [f"{R}/src/legacy/legacy-distributions.c", f"{R}/src/distributions/distributions.c",
                              f"{R}/mtrand.c"], LEGACY)


def obj_path(group, source):
    base = NP if source.startswith(NP + "/") else GEN
    # the group is part of the file name: archive members must have distinct names
    return f"{OUT}/obj/{group}/{group}-" + os.path.relpath(source, base).replace("/", "_") + ".o"


def cmd_for(group, source, flags):
    lang = CXX + CXXFLAGS if source.endswith(".cpp") else CC + CFLAGS
    return lang + BASE + flags + ["-c", source, "-o", obj_path(group, source)]


def write_rename_header():
    """#define each external symbol of distributions.c as mtrand_<symbol> (list taken from llvm-nm)."""
    tmp = f"{OUT}/obj/distributions-for-nm.o"
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    subprocess.run(CC + CFLAGS + BASE + RANDOM + ["-c", f"{R}/src/distributions/distributions.c", "-o", tmp],
                   check=True)
    nm = subprocess.run(["llvm-nm-19", "--defined-only", "--extern-only", "--format=just-symbols", tmp],
                        check=True, capture_output=True, text=True).stdout.split()
    syms = sorted(s for s in nm if s.startswith("random_"))
    assert len(syms) > 40, syms
    with open(RENAME_H + ".tmp", "w") as f:
        f.write("/* generated by compile_numpy.py: mtrand's legacy distributions.c gets its own symbols */\n")
        f.writelines(f"#define {s} mtrand_{s}\n" for s in syms)
    os.replace(RENAME_H + ".tmp", RENAME_H)
    return len(syms)


def compile_unit(u):
    _, group, source, flags = u
    o = obj_path(group, source)
    os.makedirs(os.path.dirname(o), exist_ok=True)
    t = time.time()
    p = subprocess.run(cmd_for(group, source, flags), capture_output=True, text=True)
    return source, p.returncode, p.stderr, time.time() - t


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f"mtrand_rename.h: {write_rename_header()} symbols", flush=True)
    t0 = time.time()
    failed, warnings = [], 0
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        for source, rc, err, dt in pool.map(compile_unit, units):
            nw = err.count("warning:")
            warnings += nw
            short = os.path.relpath(source, NP if source.startswith(NP + "/") else GEN)
            print(f"{'FAIL' if rc else 'ok'} {dt:5.1f}s warnings={nw} {short}", flush=True)
            if nw and not rc:
                sys.stdout.write(err)
            if rc:
                failed.append((short, err))
    print(f"{len(units)} units in {time.time() - t0:.0f}s, {warnings} warnings, {len(failed)} failed")
    for short, err in failed:
        print("=====", short)
        print(err[-4000:])
    if failed:
        sys.exit(1)
    for u in units:
        if u[0] == "xerbla":
            shutil.copyfile(obj_path(u[1], u[2]), f"{OUT}/python_xerbla.o")
    for archive, lib in (("main", "libnumpy_wasm.a"), ("tests", "libnumpy_wasm_tests.a")):
        path = f"{OUT}/{lib}"
        if os.path.exists(path):
            os.remove(path)
        objs = [obj_path(g, s) for a, g, s, _ in units if a == archive]
        # D: deterministic (zero timestamps/uids); member order = the list above
        subprocess.run(["llvm-ar-19", "rcsD", path] + objs, check=True)
        print(f"{lib}: {len(objs)} objects, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
