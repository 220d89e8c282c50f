#!/usr/bin/env python3
"""mknumpyzip.py NUMPY_SRC GEN_DIR OUT_ZIP

numpy's pure-Python part as a pyc-only, stored zip for the sandbox (a sys.path entry).
Run it with the native build python of the runtime (the same 3.11.2 bytecode magic as the wasm
interpreter). Code objects get Debian's file names (/usr/lib/python3/dist-packages/numpy/...),
so tracebacks name the same files as on a Debian host. Deterministic: sorted entries, fixed
timestamps, unchecked hash-based pycs (no source mtime inside).
The .py sources ride along (deflated, same names): the host mounts them at Debian's paths
(src/runtime/numpyImage.ts) so that tracebacks through numpy show the same source lines as on
a Debian host. Imports always use the pycs (zipimport looks for .pyc first).
Left out: tests, f2py, distutils, _pyinstaller, typing stubs.
"""
import importlib._bootstrap_external as bootstrap
import importlib.util
import pathlib
import sys
import zipfile

src, gen, out = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve(), pathlib.Path(sys.argv[3])
DEBIAN_PREFIX = "/usr/lib/python3/dist-packages/"
OMIT = {"tests", "f2py", "distutils", "_pyinstaller", "__pycache__"}
root = src / "numpy"
stamp = (1980, 1, 1, 0, 0, 0)


def entry(name):
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
    count = 0
    files = [(p, p.relative_to(src).as_posix()) for p in sorted(root.rglob("*.py"))
             if not set(p.relative_to(root).parts[:-1]) & OMIT
             and p.name not in ("setup.py", "conftest.py")]
    files.append((gen / "numpy" / "__config__.py", "numpy/__config__.py"))
    files.sort(key=lambda f: f[1])
    for path, rel in files:
        source = path.read_bytes()
        code = compile(source, DEBIAN_PREFIX + rel, "exec", dont_inherit=True, optimize=0)
        pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
        zf.writestr(entry(rel[:-3] + ".pyc"), pyc)
        src_entry = entry(rel)
        src_entry.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(src_entry, source, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        count += 1
print(f"{out}: {count} files, {out.stat().st_size} bytes")
