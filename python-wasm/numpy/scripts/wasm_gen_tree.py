#!/usr/bin/env python3
"""wasm_gen_tree.py NUMPY_SRC NATIVE_GEN OUT_GEN [SERIES]

Turns the output of numpy's native `setup.py build_src` (NATIVE_GEN = build/src.linux-x86_64-3.11)
into the generated-source tree used for the wasm32-wasi compile (OUT_GEN):

* everything target-independent is copied as is (templated .c/.h from *.src, the API and
  ufunc code generators' output, __config__.py);
* the two target-dependent headers, config.h and _numpyconfig.h, are written from scratch for
  wasm32-wasi (explicit, so the result does not depend on what the build machine probed;
  only the C-API version is taken from the native tree: 1.24 and 1.26 differ there);
* the *.dispatch.h headers and npy_cpu_dispatch_config.h, which numpy.distutils' CCompilerOpt
  writes during build_ext, are written for --cpu-baseline=none --cpu-dispatch=none: every
  dispatchable loop is compiled once, as its plain C baseline.
"""
import pathlib
import shutil
import sys

src, native, out = (pathlib.Path(a) for a in sys.argv[1:4])
SERIES = sys.argv[4] if len(sys.argv) > 4 else "1.24"   # numpy release series, for the headers' comments
NATIVE_INC = native / "numpy/core/include/numpy"
API_VERSION = next(l for l in (NATIVE_INC / "_numpyconfig.h").read_text().splitlines()
                   if l.startswith("#define NPY_API_VERSION "))
if out.exists():
    shutil.rmtree(out)
shutil.copytree(native, out)

# C99 complex functions: all of them exist in wasi-libc (musl), float/double/long double.
CPLX = "ABS ACOS ACOSH ARG ASIN ASINH ATAN ATANH EXP LOG POW SQRT SIN SINH COS COSH TAN TANH".split()
complex_defs = "\n".join(f"#define HAVE_C{f}{suf} 1" for suf in ("", "F", "L") for f in CPLX)

CONFIG_H = f"""/* numpy {SERIES} config.h for wasm32-wasi (codejail-wasm; written by wasm_gen_tree.py) */
#define HAVE_ENDIAN_H 1
#define SIZEOF_PY_INTPTR_T 4
#define SIZEOF_OFF_T 8
#define SIZEOF_PY_LONG_LONG 8
#define MATHLIB m
#define HAVE_FEATURES_H 1
#define HAVE___BUILTIN_ISNAN 1
#define HAVE___BUILTIN_ISINF 1
#define HAVE___BUILTIN_ISFINITE 1
#define HAVE___BUILTIN_BSWAP32 1
#define HAVE___BUILTIN_BSWAP64 1
#define HAVE___BUILTIN_EXPECT 1
#define HAVE___BUILTIN_MUL_OVERFLOW 1
#define HAVE___BUILTIN_PREFETCH 1
#define HAVE_ATTRIBUTE_NONNULL 1
#define HAVE_DECL_ISNAN
#define HAVE_DECL_ISINF
#define HAVE_DECL_SIGNBIT
#define HAVE_DECL_ISFINITE
#define HAVE_COMPLEX_H 1
{complex_defs}
#define NPY_RESTRICT restrict
#define NPY_RELAXED_STRIDES_DEBUG 0
/* long double on wasm32 is IEEE 754 binary128, little endian (soft-float, compiler-rt) */
#define HAVE_LDOUBLE_IEEE_QUAD_LE 1
/* wasi-libc has no setjmp/longjmp: no SIGINT handling inside numpy loops */
#define __NPY_PRIVATE_NO_SIGNAL
/* Not defined on purpose: HAVE_STRTOLD_L, HAVE_FALLOCATE, HAVE_BACKTRACE, HAVE_MADVISE,
 * HAVE_DLFCN_H, HAVE_EXECINFO_H, HAVE_SYS_MMAN_H, HAVE___THREAD, x86 intrinsics/targets. */
#ifndef __cplusplus
/* #undef inline */
#endif

#ifndef NUMPY_CORE_SRC_COMMON_NPY_CONFIG_H_
#error config.h should never be included directly, include npy_config.h instead
#endif
"""

NUMPYCONFIG_H = f"""/* numpy {SERIES} _numpyconfig.h for wasm32-wasi (codejail-wasm; written by wasm_gen_tree.py) */
#define NPY_HAVE_ENDIAN_H 1
#define NPY_SIZEOF_SHORT SIZEOF_SHORT
#define NPY_SIZEOF_INT SIZEOF_INT
#define NPY_SIZEOF_LONG SIZEOF_LONG
#define NPY_SIZEOF_FLOAT 4
#define NPY_SIZEOF_COMPLEX_FLOAT 8
#define NPY_SIZEOF_DOUBLE 8
#define NPY_SIZEOF_COMPLEX_DOUBLE 16
#define NPY_SIZEOF_LONGDOUBLE 16
#define NPY_SIZEOF_COMPLEX_LONGDOUBLE 32
#define NPY_SIZEOF_PY_INTPTR_T 4
#define NPY_SIZEOF_OFF_T 8
#define NPY_SIZEOF_PY_LONG_LONG 8
#define NPY_SIZEOF_LONGLONG 8
#define NPY_NO_SMP 1
#define NPY_NO_SIGNAL 1
#define NPY_HAVE_DECL_ISNAN
#define NPY_HAVE_DECL_ISINF
#define NPY_HAVE_DECL_SIGNBIT
#define NPY_HAVE_DECL_ISFINITE
#define NPY_USE_C99_COMPLEX 1
#define NPY_HAVE_COMPLEX_DOUBLE 1
#define NPY_HAVE_COMPLEX_FLOAT 1
#define NPY_HAVE_COMPLEX_LONG_DOUBLE 1
#define NPY_USE_C99_FORMATS 1
#define NPY_VISIBILITY_HIDDEN __attribute__((visibility("hidden")))
#define NPY_ABI_VERSION 0x01000009
{API_VERSION}

#ifndef __STDC_FORMAT_MACROS
#define __STDC_FORMAT_MACROS 1
#endif
"""

inc = out / "numpy/core/include/numpy"
for name, text in (("config.h", CONFIG_H), ("_numpyconfig.h", NUMPYCONFIG_H)):
    native_text = (NATIVE_INC / name).read_text()
    # the ABI/API versions must be those this numpy tree generated
    for key in ("NPY_ABI_VERSION", "NPY_API_VERSION"):
        if key in text:
            want = next(l for l in native_text.splitlines() if l.startswith(f"#define {key} "))
            assert want in text, f"{name}: {want!r} differs from the wasm header"
    (inc / name).write_text(text)

# Dispatch headers for "no baseline, no dispatch": each only says "call the baseline".
DISPATCH_H = """/* written by wasm_gen_tree.py: --cpu-baseline=none --cpu-dispatch=none */
#ifndef NPY__CPU_DISPATCH_EXPAND_
    #define NPY__CPU_DISPATCH_EXPAND_(X) X
#endif
#undef NPY__CPU_DISPATCH_BASELINE_CALL
#undef NPY__CPU_DISPATCH_CALL
#define NPY__CPU_DISPATCH_BASELINE_CALL(CB, ...) \\
	NPY__CPU_DISPATCH_EXPAND_(CB(__VA_ARGS__))
#define NPY__CPU_DISPATCH_CALL(CHK, CB, ...)
"""
n = 0
for p in sorted((src / "numpy").rglob("*.dispatch.*")):
    rel = p.relative_to(src).as_posix()
    for suffix in (".c.src", ".cpp", ".c"):
        if rel.endswith(suffix):
            rel = rel[: -len(suffix)]
            break
    target = out / (rel + ".h")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(DISPATCH_H)
    n += 1
cfg = out / "numpy/distutils/include/npy_cpu_dispatch_config.h"
cfg.parent.mkdir(parents=True, exist_ok=True)
cfg.write_text("""/* written by wasm_gen_tree.py: --cpu-baseline=none --cpu-dispatch=none */
#define NPY_WITH_CPU_BASELINE  ""
#define NPY_WITH_CPU_DISPATCH  ""
#define NPY_WITH_CPU_BASELINE_N 0
#define NPY_WITH_CPU_DISPATCH_N 0
#define NPY_WITH_CPU_EXPAND_(X) X
#define NPY_WITH_CPU_BASELINE_CALL(MACRO_TO_CALL, ...)
#define NPY_WITH_CPU_DISPATCH_CALL(MACRO_TO_CALL, ...)
""")
print(f"wasm gen tree: {out} ({n} dispatch headers)")
