"""Pack CPython's Lib/ as a pyc-only zip for the sandbox.

usage: python -E -I mkstdlib.py LIB_DIR SYSCONFIGDATA_PY OUT_ZIP

Run it with the build's own native python so the bytecode magic matches the wasm
interpreter. Byte-for-byte reproducible: sorted entries, fixed timestamps, and
unchecked hash-based pycs (no source mtimes).  Code objects carry the path Debian's
python3.11 would show (/usr/lib/python3.11/...), and each module's source is stored
(deflated) beside its bytecode: imports use the .pyc, while tracebacks and inspect find
the source through the zip importer, so tracebacks through the stdlib show the same
lines as under codejail.
"""
import importlib._bootstrap_external as bootstrap
import importlib.util
import pathlib
import sys
import zipfile

# Not useful in a sandbox (GUI, packaging, test suites), or needing C parts we do not build.
OMIT_DIRS = {
    "test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "venv", "lib2to3",
    "distutils", "pydoc_data", "msilib", "ctypes", "sqlite3", "curses", "dbm",
    "site-packages", "__pycache__", "__phello__",
}
OMIT_FILES = {
    "turtle.py", "antigravity.py", "webbrowser.py", "_aix_support.py", "_osx_support.py",
    "_bootsubprocess.py",
}

def main():
    lib, sysconfigdata, out = (pathlib.Path(a) for a in sys.argv[1:4])
    lib = lib.resolve()
    entries = []
    for path in sorted(lib.rglob("*.py")):
        rel = path.relative_to(lib)
        if set(rel.parts[:-1]) & OMIT_DIRS or rel.as_posix() in OMIT_FILES:
            continue
        entries.append((path, rel.as_posix()))
    # Debian's sysconfig looks for the multiarch name; ship both spellings.
    entries.append((sysconfigdata, sysconfigdata.name))
    entries.append((sysconfigdata, "_sysconfigdata__wasm32-wasi.py"))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for path, rel in entries:
            source = path.read_bytes()
            code = compile(source, "/usr/lib/python3.11/" + rel, "exec", dont_inherit=True, optimize=0)
            pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
            info = zipfile.ZipInfo(rel[:-3] + ".pyc", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, pyc)
            src = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            src.external_attr = 0o644 << 16
            src.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(src, source, compresslevel=9)
    print(f"{len(entries)} modules -> {out} ({out.stat().st_size} bytes)")

if __name__ == "__main__":
    main()
