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
print("patch-cpython: applied")
