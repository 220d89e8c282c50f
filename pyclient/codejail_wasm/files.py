"""Turn codejail's host-side file arguments into the service's JSON entries.

codejail copies each entry of ``files`` (a host path: file, directory or
symlink) into the jail directory under its basename.  The service has no
access to the caller's disk, so the client reads the contents and sends them:

* a file  -> ``{"path": "<basename>", "content_b64": ...}``
* a directory -> one entry per file below it, ``"<basename>/sub/file"``
  (``/``-separated).  Symlinked files are read through the link; symlinked
  sub-directories and ``__pycache__`` directories are not descended into
  (the sandbox runs with ``-B`` and cannot use host bytecode anyway).
  Empty directories cannot be represented and are skipped.

``extra_files`` ((name, bytes) pairs) become ``{"name", "content_b64"}``.
"""

import base64
import os


def b64(data):
    """base64 text of bytes (str is encoded as UTF-8 first)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(bytes(data)).decode("ascii")


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def collect_files(paths):
    """The ``files`` entries for a list of host paths (raises OSError for a missing path)."""
    entries = []
    for path in paths or ():
        path = os.fspath(path)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        base = os.path.basename(os.path.normpath(path))
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not os.path.islink(os.path.join(root, d)))
                rel_root = os.path.relpath(root, path)
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if not os.path.isfile(full):
                        continue  # broken symlink, socket, fifo...
                    rel = name if rel_root == "." else os.path.join(rel_root, name)
                    rel = base + "/" + rel.replace(os.sep, "/")
                    entries.append({"path": rel, "content_b64": b64(_read(full))})
        else:
            # A file, or a symlink to one: raises FileNotFoundError like shutil.copy would.
            entries.append({"path": base, "content_b64": b64(_read(path))})
    return entries


def extra_file_entries(extra_files):
    """The ``extra_files`` entries for (name, bytes) pairs."""
    entries = []
    for name, content in extra_files or ():
        entries.append({"name": str(name), "content_b64": b64(content)})
    return entries
