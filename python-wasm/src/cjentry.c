/*
 * cjentry.c: the entry layer of the codejail-wasm reactor.
 *
 * The module is linked as a WASI reactor: the host calls _initialize and
 * cj_init() once, snapshots linear memory, and then serves each request with
 * cj_run() on a restored copy of that snapshot.  Everything that makes a run
 * look like `python -E -B ...` (argument parsing, SystemExit codes, tracebacks)
 * lives in the Python driver module `_cj_driver` (compat/), so this file stays
 * small: it starts the interpreter, hands a request to the driver, and bounds
 * memory growth.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define WASM_PAGE 65536u

/* Upper bound on linear memory in bytes for the current request; 0 = only the
 * module's own maximum.  Checked in sbrk(), the only place where wasi-libc's
 * malloc grows memory, so exceeding it surfaces as a failed malloc and thus as
 * MemoryError inside Python instead of a trap. */
static uintptr_t memory_limit;

/* Overrides wasi-libc's sbrk (same contract); dlmalloc's MORECORE. */
void *sbrk(intptr_t increment) {
    uintptr_t current = __builtin_wasm_memory_size(0) * WASM_PAGE;
    if (increment == 0)
        return (void *)current;
    if (increment < 0 || (uintptr_t)increment % WASM_PAGE != 0)
        abort();
    if (memory_limit && (uintptr_t)increment > memory_limit - (current < memory_limit ? current : memory_limit)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t old = __builtin_wasm_memory_grow(0, (uintptr_t)increment / WASM_PAGE);
    if (old == SIZE_MAX) {
        errno = ENOMEM;
        return (void *)-1;
    }
    return (void *)(old * WASM_PAGE);
}

static PyObject *driver_run;

/* A runtime variant with extra built-in extension modules (numpy) is linked from a file that
 * defines CJ_EXTRA_BUILTINS as a header declaring `static int cj_extra_builtins(void)`, which
 * registers them with PyImport_AppendInittab before the interpreter starts. */
#ifdef CJ_EXTRA_BUILTINS
#include CJ_EXTRA_BUILTINS
#endif

EXPORT(cj_alloc) void *cj_alloc(size_t n) { return malloc(n); }
EXPORT(cj_free) void cj_free(void *p) { free(p); }
EXPORT(cj_set_memory_limit) void cj_set_memory_limit(uint32_t bytes) { memory_limit = bytes; }
EXPORT(cj_memory_limit) uint32_t cj_memory_limit(void) { return (uint32_t)memory_limit; }

/* Returns 0 on success.  The search path is fixed: the stdlib zip and our
 * compat directory; the driver adds the script directory per request. */
EXPORT(cj_init) int cj_init(void) {
    PyConfig config;
    PyStatus status;
    /* Natively, codejail's python starts with an empty environment, i.e. the C locale, which
     * CPython coerces to C.UTF-8 and so runs in UTF-8 mode: stdio and file names are UTF-8. */
    PyPreConfig preconfig;
    PyPreConfig_InitIsolatedConfig(&preconfig);
    preconfig.utf8_mode = 1;
    status = Py_PreInitialize(&preconfig);
    if (PyStatus_Exception(status)) return 5;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.write_bytecode = 0;
    config.install_signal_handlers = 0;
    config.use_hash_seed = 1;  /* fixed hash seed: str hashes (and random2's str seeds) are reproducible */
    config.hash_seed = 0;
    config.buffered_stdio = 1; /* like a process whose stdout is a pipe */
    config.module_search_paths_set = 1;
#ifdef CJ_EXTRA_BUILTINS
    if (cj_extra_builtins() != 0) { PyConfig_Clear(&config); return 4; }
#endif
    status = PyConfig_SetString(&config, &config.home, L"/usr");
    if (PyStatus_Exception(status)) goto fail;
    status = PyConfig_SetString(&config, &config.program_name, L"python3");
    if (PyStatus_Exception(status)) goto fail;
    status = PyConfig_SetString(&config, &config.executable, L"/usr/bin/python3");
    if (PyStatus_Exception(status)) goto fail;
    status = PyWideStringList_Append(&config.module_search_paths, L"/usr/lib/python311.zip");
    if (PyStatus_Exception(status)) goto fail;
    status = PyWideStringList_Append(&config.module_search_paths, L"/usr/lib/codejail-wasm");
    if (PyStatus_Exception(status)) goto fail;
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) goto fail;
    PyConfig_Clear(&config);

    PyObject *driver = PyImport_ImportModule("_cj_driver");
    if (driver == NULL) { PyErr_Print(); return 2; }
    driver_run = PyObject_GetAttrString(driver, "run");
    Py_DECREF(driver);
    if (driver_run == NULL) { PyErr_Print(); return 3; }
    return 0;
fail:
    PyConfig_Clear(&config);
    return 1;
}

/* Runs one request (UTF-8 JSON, see _cj_driver.run) and returns the process
 * exit status it would have had. */
EXPORT(cj_run) int cj_run(const char *request, size_t length) {
    if (driver_run == NULL) return 70; /* EX_SOFTWARE: not initialised */
    PyObject *result = PyObject_CallFunction(driver_run, "s#", request, (Py_ssize_t)length);
    if (result == NULL) {
        /* The driver itself failed (a bug, or user code broke the interpreter
         * beyond what the driver catches): report like an uncaught exception. */
        PyErr_Print();
        return 1;
    }
    long code = PyLong_AsLong(result);
    Py_DECREF(result);
    if (code == -1 && PyErr_Occurred()) { PyErr_Print(); return 1; }
    return (int)code;
}
