"""Turn codejail's host-side file arguments into the service's JSON entries.

codejail copies each entry of ``files`` (a host path) into the jail directory under its
basename: a symlink as a symlink, a file by content, a directory with
``shutil.copytree(..., symlinks=True)``.  The service has no access to the caller's disk,
so the client sends the same tree:

* a file -> ``{"path": "<basename>", "content_b64": ...}``
* a symlink (at the top or inside a directory) -> ``{"path": ..., "symlink": "<target>"}``:
  no data is ever read through a link; in the jail it reads what its target is there, and a
  link out of the jail cannot be opened, as under codejail's confinement
* a directory -> one entry per file or symlink below it, ``"<basename>/sub/file"``
  (``/``-separated).  ``__pycache__`` directories are not sent (the sandbox runs with ``-B``
  and compiles from source), and empty directories cannot be represented.

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
        if os.path.islink(path):
            entries.append({"path": base, "symlink": os.readlink(path)})
        elif os.path.isfile(path):
            entries.append({"path": base, "content_b64": b64(_read(path))})
        else:
            entries.extend(_tree_entries(path, base))
    return entries


def _tree_entries(top, base):
    """What ``shutil.copytree(top, base, symlinks=True)`` would copy (raises for a missing top)."""
    if not os.path.isdir(top):
        raise FileNotFoundError(2, "No such file or directory", top)
    entries = []
    for root, dirs, names in os.walk(top):
        rel_root = os.path.relpath(root, top)
        prefix = base if rel_root == "." else base + "/" + rel_root.replace(os.sep, "/")
        links = sorted(d for d in dirs if os.path.islink(os.path.join(root, d)))
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and d not in links)
        for name in sorted(names) + links:
            full = os.path.join(root, name)
            if os.path.islink(full):
                entries.append({"path": prefix + "/" + name, "symlink": os.readlink(full)})
            elif os.path.isfile(full):
                entries.append({"path": prefix + "/" + name, "content_b64": b64(_read(full))})
            # sockets, fifos and devices: copytree would fail on them; there is nothing to send
    return entries


def extra_file_entries(extra_files):
    """The ``extra_files`` entries for (name, bytes) pairs."""
    entries = []
    for name, content in extra_files or ():
        entries.append({"name": str(name), "content_b64": b64(content)})
    return entries
