/*
 * numpy_builtins.h: numpy's extension modules as built-in modules of the codejail-wasm reactor.
 *
 * Included by python-wasm/src/cjentry.c when it is compiled with
 *   -DCJ_EXTRA_BUILTINS='"numpy_builtins.h"'
 * cj_init() calls cj_extra_builtins() before Py_InitializeFromConfig. The modules are registered
 * under their dotted names; compat/_cj_driver.py installs the meta-path finder that lets the
 * import system find dotted built-in names (BuiltinImporter alone only finds top-level ones).
 *
 * With -DCJ_NUMPY_TEST_MODULES the 4 extension modules that only numpy's own test suite uses
 * are registered too (link libnumpy_wasm_tests.a); the shipped runtime does not have them.
 */
#ifndef CJ_NUMPY_BUILTINS_H
#define CJ_NUMPY_BUILTINS_H
#include <Python.h>

#define CJ_NUMPY_MODULES(X)                                           \
    X("numpy.core._multiarray_umath", PyInit__multiarray_umath)       \
    X("numpy.core._multiarray_tests", PyInit__multiarray_tests)       \
    X("numpy.linalg.lapack_lite", PyInit_lapack_lite)                 \
    X("numpy.linalg._umath_linalg", PyInit__umath_linalg)             \
    X("numpy.fft._pocketfft_internal", PyInit__pocketfft_internal)    \
    X("numpy.random._common", PyInit__common)                         \
    X("numpy.random.bit_generator", PyInit_bit_generator)             \
    X("numpy.random._bounded_integers", PyInit__bounded_integers)     \
    X("numpy.random._mt19937", PyInit__mt19937)                       \
    X("numpy.random._philox", PyInit__philox)                         \
    X("numpy.random._pcg64", PyInit__pcg64)                           \
    X("numpy.random._sfc64", PyInit__sfc64)                           \
    X("numpy.random._generator", PyInit__generator)                   \
    X("numpy.random.mtrand", PyInit_mtrand)

#ifdef CJ_NUMPY_TEST_MODULES
#define CJ_NUMPY_TEST_MODULES_LIST(X)                                 \
    X("numpy.core._umath_tests", PyInit__umath_tests)                 \
    X("numpy.core._rational_tests", PyInit__rational_tests)           \
    X("numpy.core._struct_ufunc_tests", PyInit__struct_ufunc_tests)   \
    X("numpy.core._operand_flag_tests", PyInit__operand_flag_tests)
#else
#define CJ_NUMPY_TEST_MODULES_LIST(X)
#endif

#define CJ_NUMPY_DECLARE(name, init) extern PyObject *init(void);
CJ_NUMPY_MODULES(CJ_NUMPY_DECLARE)
CJ_NUMPY_TEST_MODULES_LIST(CJ_NUMPY_DECLARE)
#undef CJ_NUMPY_DECLARE

static int cj_extra_builtins(void) {
#define CJ_NUMPY_APPEND(name, init) \
    if (PyImport_AppendInittab(name, init) < 0) return -1;
    CJ_NUMPY_MODULES(CJ_NUMPY_APPEND)
    CJ_NUMPY_TEST_MODULES_LIST(CJ_NUMPY_APPEND)
#undef CJ_NUMPY_APPEND
    return 0;
}
#endif
