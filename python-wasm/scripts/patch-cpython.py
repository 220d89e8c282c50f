"""Apply codejail-wasm's changes to Debian's CPython 3.11 source tree (idempotent).

usage: python3 patch-cpython.py SOURCE_DIR HEADER

Each edit is an exact text replacement that must match once; a source that changed under
us makes the build stop instead of silently skipping an edit.
"""
import pathlib
import shutil
import sys

src, header = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
shutil.copyfile(header, src / "Include" / "cj_errno.h")

EDITS = {
    # OSError(errno, strerror, ...) built from C errno: strerror from libc's number, the
    # Python-visible errno as Linux's.
    "Python/errors.c": [(
        "        const char *s = strerror(i);\n        message = PyUnicode_DecodeLocale(s, \"surrogateescape\");\n",
        "        const char *s = strerror(i);\n        message = PyUnicode_DecodeLocale(s, \"surrogateescape\");\n        i = _cj_linux_errno(i);\n",
    )],
    # errno -> OSError subclass map (FileNotFoundError for ENOENT, ...), keyed like errno values.
    "Objects/exceptions.c": [(
        "        PyObject *_code = PyLong_FromLong(CODE); \\\n",
        "        PyObject *_code = PyLong_FromLong(_cj_linux_errno(CODE)); \\\n",
    )],
    # errno.ENOENT and errno.errorcode.
    "Modules/errnomodule.c": [(
        "    PyObject *code = PyLong_FromLong(code_int);\n",
        "    PyObject *code = PyLong_FromLong(_cj_linux_errno(code_int));\n",
    )],
    # The EINTR retry check compares an OSError's errno with EINTR: both must be Linux's
    # (WASI's EINTR, 27, is Linux's EFBIG: a failed write would be retried forever).
    "Modules/_io/bufferedio.c": [(
        "        eintr_int = PyLong_FromLong(EINTR);\n",
        "        eintr_int = PyLong_FromLong(_cj_linux_errno(EINTR));\n",
    )],
    "Modules/posixmodule.c": [(
        "    char *message = strerror(code);\n",
        "    char *message = strerror(_cj_wasi_errno(code));\n",
    )],
}
MARK = '#include "cj_errno.h"  /* codejail-wasm */\n'

# Direct calls where the callee is almost always one known function. V8 only inlines an
# indirect wasm call from runtime feedback, and each costs a table and signature check;
# natively, the PGO build Debian ships turns these into direct calls (indirect-call promotion).
# Freeing an int went _Py_Dealloc -> object_dealloc -> tp_free -> the allocator's free, three
# indirect calls, and every `for` step calls the iterator's tp_iternext indirectly. Each edit
# keeps the indirect call for any other callee: with a hook installed (tracemalloc,
# PyMem_SetAllocator), a subclass or another iterator, behaviour is unchanged.
# Measured: pure-Python loops ~15-20 % faster (docs/adr/0001-runtime-cpython-wasi.md).
DIRECT_CALLS = {
    "Objects/obmalloc.c": [(
        "    OBJECT_STAT_INC(allocations);\n    return _PyObject.malloc(_PyObject.ctx, size);\n",
        "    OBJECT_STAT_INC(allocations);\n#ifdef WITH_PYMALLOC\n"
        "    if (_PyObject.malloc == _PyObject_Malloc) {  /* codejail-wasm: direct call */\n"
        "        return _PyObject_Malloc(_PyObject.ctx, size);\n    }\n#endif\n"
        "    return _PyObject.malloc(_PyObject.ctx, size);\n",
    ), (
        "    OBJECT_STAT_INC(frees);\n    _PyObject.free(_PyObject.ctx, ptr);\n",
        "    OBJECT_STAT_INC(frees);\n#ifdef WITH_PYMALLOC\n"
        "    if (_PyObject.free == _PyObject_Free) {  /* codejail-wasm: direct call */\n"
        "        _PyObject_Free(_PyObject.ctx, ptr);\n        return;\n    }\n#endif\n"
        "    _PyObject.free(_PyObject.ctx, ptr);\n",
    )],
    "Objects/typeobject.c": [(
        "object_dealloc(PyObject *self)\n{\n    Py_TYPE(self)->tp_free(self);\n}\n",
        "object_dealloc(PyObject *self)\n{\n    freefunc free_ = Py_TYPE(self)->tp_free;\n"
        "    if (free_ == PyObject_Free) {  /* codejail-wasm: direct call */\n"
        "        PyObject_Free(self);\n        return;\n    }\n    free_(self);\n}\n",
    )],
    # An exact int's tp_dealloc is object_dealloc and its tp_free PyObject_Free; CPython's own
    # specialised decrefs for ints call PyObject_Free the same way.
    "Objects/object.c": [(
        "    _Py_ForgetReference(op);\n#endif\n    (*dealloc)(op);\n",
        "    _Py_ForgetReference(op);\n#endif\n"
        "    if (type == &PyLong_Type) {  /* codejail-wasm: direct call */\n"
        "        PyObject_Free(op);\n    }\n    else {\n        (*dealloc)(op);\n    }\n",
    )],
    # FOR_ITER over a range or a list, the loops course code writes, calls the iterator's
    # tp_iternext directly; the functions are static, so each file exports a wrapper.
    "Objects/rangeobject.c": [(
        "static PyObject *\nrangeiter_next(rangeiterobject *r)\n{\n",
        "static PyObject *rangeiter_next(rangeiterobject *r);\n"
        "PyObject *_cj_rangeiter_next(PyObject *r)  /* codejail-wasm: for FOR_ITER */\n"
        "{\n    return rangeiter_next((rangeiterobject *)r);\n}\n\n"
        "static PyObject *\nrangeiter_next(rangeiterobject *r)\n{\n",
    )],
    "Objects/listobject.c": [(
        "static PyObject *\nlistiter_next(listiterobject *it)\n{\n",
        "PyObject *_cj_listiter_next(PyObject *it)  /* codejail-wasm: for FOR_ITER */\n"
        "{\n    return listiter_next((listiterobject *)it);\n}\n\n"
        "static PyObject *\nlistiter_next(listiterobject *it)\n{\n",
    )],
    "Python/ceval.c": [(
        "            PyObject *next = (*Py_TYPE(iter)->tp_iternext)(iter);\n",
        "            /* codejail-wasm: direct calls for range and list iterators */\n"
        "            extern PyObject *_cj_rangeiter_next(PyObject *);\n"
        "            extern PyObject *_cj_listiter_next(PyObject *);\n"
        "            PyTypeObject *iter_type = Py_TYPE(iter);\n"
        "            PyObject *next = iter_type == &PyRangeIter_Type ? _cj_rangeiter_next(iter)\n"
        "                : iter_type == &PyListIter_Type ? _cj_listiter_next(iter)\n"
        "                : (*iter_type->tp_iternext)(iter);\n",
    )],
}

for rel, edits in EDITS.items():
    path = src / rel
    text = path.read_text()
    if MARK in text:
        continue
    for old, new in edits:
        if text.count(old) != 1:
            sys.exit(f"patch-cpython: expected one match in {rel} for {old!r}")
        text = text.replace(old, new)
    for include in ('#include "Python.h"\n', '#include <Python.h>\n'):
        if include in text:
            text = text.replace(include, include + MARK, 1)
            break
    else:
        sys.exit(f"patch-cpython: no Python.h include in {rel}")
    path.write_text(text)

for rel, edits in DIRECT_CALLS.items():
    path = src / rel
    text = original = path.read_text()
    for old, new in edits:
        if new in text:
            continue
        if text.count(old) != 1:
            sys.exit(f"patch-cpython: expected one match in {rel} for {old!r}")
        text = text.replace(old, new)
    if text != original:  # an untouched file keeps its mtime, so make does not rebuild it
        path.write_text(text)
print("patch-cpython: applied")
