"""Build a library layer: a read-only, pyc-only zip that the sandbox mounts on sys.path.

usage: /usr/bin/python3 build_layer.py --name NAME --version VERSION --out DIR [options] SOURCE...

SOURCE is one of
  deb:PACKAGE=VERSION[?patch=P1,P2]
                        a Debian package, fetched with `apt-get download PACKAGE=VERSION`
                        (or taken from --deb-cache if the .deb is already there) and unpacked
                        with `dpkg-deb -x`; its /usr/lib/python3/dist-packages tree is used,
                        patched (`patch -p1` in that tree) when patches are named
  debfile:PATH.deb      a .deb file the operator already has
  dir:PATH              a directory laid out like site-packages (PATH/pkg/__init__.py, ...)
  wheel:PATH.whl        a pure-Python wheel (Root-Is-Purelib: true, no compiled extensions)
  vendor:PATH.tar.gz?name=DIST&version=V&include=a,b[&root=SUBDIR][&patch=P1,P2]
                        a checksummed source archive (../shared/vendor: `git archive` of a
                        project at a tag): its sha256 must be listed in the SHA256SUMS beside it;
                        unpacked, patched (`patch -p1` in its top directory, patch paths
                        absolute or relative to the working directory), and only the `include`d
                        top-level packages/modules of ROOT (default: the top directory) are
                        taken; a DIST-VERSION.dist-info with METADATA and top_level.txt is
                        written for importlib.metadata (a git archive has none)
A bare PATH ending in .whl/.deb, or naming a directory, is taken as wheel:/debfile:/dir:.

Every .py is compiled, with this interpreter, into an *unchecked hash-based* .pyc stored next
to where the .py was (pkg/mod.pyc: zipimport does not look in __pycache__); the sources are
not shipped.  Code objects carry the path the module has in a Debian install
(--code-prefix, /usr/lib/python3/dist-packages/ by default), so tracebacks name the same
files as codejail's sandbox.  Other files (package data, *.dist-info / *.egg-info metadata)
are copied as they are (a single-file NAME.egg-info becomes NAME.egg-info/PKG-INFO, which
importlib.metadata can read from a zip).  Packages with compiled extensions (.so, .pyd) are refused
(--omit-compiled leaves them out instead, for packages with a pure-Python fallback).

The zip is byte-for-byte reproducible: sorted entries with explicit directory entries, fixed
timestamps (1980-01-01 00:00:00), fixed permissions, deflate level 9 (zlib's output is
stable for a given zlib version, recorded in the manifest), hash seed 0 for the compiler
(set constants are marshalled in hash order), one process compiling in sorted order.

The manifest (DIR/NAME-VERSION.manifest.json, also printed) records the layer's name and
version, the packages with their versions and the sha256 of each source .deb/.whl, the
file counts and sizes, the top-level importable names and the sha256 of the zip.

--drop-tests removes directories named `tests` (never `testing`: sympy imports sympy.testing
when it is imported), --drop-package PKG a named package (e.g. nltk.test), and then checks,
on the compiled modules' ASTs, that no module kept
imports one that was dropped: a module-level import of a dropped module is an error, an
import inside a function (e.g. mpmath.runtests()) is listed in the manifest's warnings.
"""
import argparse
import ast
import email.parser
import hashlib
import importlib._bootstrap_external as bootstrap
import importlib.util
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import warnings
import zipfile
import zlib

FORMAT = 1
DEFAULT_CODE_PREFIX = "/usr/lib/python3/dist-packages/"
DEB_PYTHON_DIR = "usr/lib/python3/dist-packages"
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESSLEVEL = 9
HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_RUNTIME_ZIP = HERE.parent / "dist" / "python311.zip"


class LayerError(Exception):
    pass


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise LayerError("%s failed (%d): %s" % (" ".join(cmd), proc.returncode, proc.stderr.strip()))
    return proc.stdout


# ----------------------------------------------------------------------------- sources

class Source:
    """One unpacked source: a root laid out like site-packages plus where it came from."""

    def __init__(self, spec, root, origin, package=None, version=None, sha256=None, artifact=None):
        self.spec = spec
        self.root = pathlib.Path(root)
        self.origin = origin            # "deb" | "dir" | "wheel" | "vendor"
        self.package = package          # Debian package / wheel distribution name
        self.version = version          # Debian version / wheel version
        self.sha256 = sha256            # of the .deb / .whl / source archive
        self.artifact = artifact        # file name of the .deb / .whl / source archive
        self.patches = []               # (file name, sha256) of patches applied (vendor, deb sources)


def apply_patches(spec, names, top):
    """Apply the comma-separated patch files `names` (`patch -p1` in top): [(file name, sha256)]."""
    patches = []
    for patch in filter(None, names.split(",")):
        patch = pathlib.Path(patch)
        if not patch.is_file():
            raise LayerError("source %r: patch %s does not exist" % (spec, patch))
        run(["patch", "-p1", "-s", "--no-backup-if-mismatch", "-i", str(patch.resolve())], cwd=str(top))
        patches.append((patch.name, sha256_file(patch)))
    return patches


def deb_source(spec, deb_path, workdir):
    deb_path = pathlib.Path(deb_path)
    fields = run(["dpkg-deb", "-f", str(deb_path), "Package", "Version", "Architecture"])
    info = dict(line.split(": ", 1) for line in fields.strip().splitlines())
    unpacked = pathlib.Path(tempfile.mkdtemp(prefix="deb-", dir=workdir))
    run(["dpkg-deb", "-x", str(deb_path), str(unpacked)])
    root = unpacked / DEB_PYTHON_DIR
    if not root.is_dir():
        raise LayerError("%s has no /%s tree (not a Python 3 library package?)" % (deb_path.name, DEB_PYTHON_DIR))
    return Source(spec, root, "deb", info["Package"], info["Version"], sha256_file(deb_path), deb_path.name)


def fetch_deb(spec, rest, deb_cache, workdir):
    name_version, _, query = rest.partition("?")
    params = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    if set(params) - {"patch"}:
        raise LayerError("deb source %r: unknown parameter(s) %s" % (spec, ", ".join(sorted(set(params) - {"patch"}))))
    if "=" not in name_version:
        raise LayerError("deb source %r must pin an exact version: deb:PACKAGE=VERSION" % spec)
    package, version = name_version.split("=", 1)
    # Debian file names quote the epoch's colon as %3a.
    pattern = "%s_%s_*.deb" % (package, version.replace(":", "%3a"))
    cache = pathlib.Path(deb_cache) if deb_cache else pathlib.Path(tempfile.mkdtemp(prefix="debs-", dir=workdir))
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(pattern))
    if not found:
        run(["apt-get", "download", "%s=%s" % (package, version)], cwd=str(cache))
        found = sorted(cache.glob(pattern))
    if not found:
        raise LayerError("apt-get download %s=%s produced no %s" % (package, version, pattern))
    src = deb_source(spec, found[0], workdir)
    if src.package != package or src.version != version:
        raise LayerError("%s is %s=%s, expected %s=%s" % (found[0].name, src.package, src.version, package, version))
    src.patches = apply_patches(spec, params.get("patch", ""), src.root)
    if src.patches:
        # recorded by file name: the same wherever the build ran
        src.spec = "deb:%s?patch=%s" % (name_version, ",".join(n for n, _ in src.patches))
    return src


def wheel_source(spec, whl, workdir):
    whl = pathlib.Path(whl)
    unpacked = pathlib.Path(tempfile.mkdtemp(prefix="whl-", dir=workdir))
    with zipfile.ZipFile(whl) as zf:
        for name in zf.namelist():
            if name.startswith("/") or ".." in pathlib.PurePosixPath(name).parts:
                raise LayerError("%s: unsafe path in wheel: %s" % (whl.name, name))
        zf.extractall(unpacked)
    dist_infos = sorted(p for p in unpacked.iterdir() if p.name.endswith(".dist-info"))
    if len(dist_infos) != 1:
        raise LayerError("%s: expected one *.dist-info directory, found %d" % (whl.name, len(dist_infos)))
    wheel_meta = email.parser.Parser().parsestr((dist_infos[0] / "WHEEL").read_text("utf-8"))
    if (wheel_meta.get("Root-Is-Purelib") or "").strip().lower() != "true":
        raise LayerError("%s is not a pure-Python wheel (Root-Is-Purelib is not true)" % whl.name)
    # *.data/purelib and platlib install into the root; scripts, headers and data are not for a sandbox.
    for data_dir in sorted(p for p in unpacked.iterdir() if p.name.endswith(".data")):
        for sub in sorted(data_dir.iterdir()):
            if sub.name in ("purelib", "platlib"):
                shutil.copytree(sub, unpacked, dirs_exist_ok=True)
        shutil.rmtree(data_dir)
    meta = email.parser.Parser().parsestr((dist_infos[0] / "METADATA").read_text("utf-8"))
    return Source(spec, unpacked, "wheel", meta["Name"], meta["Version"], sha256_file(whl), whl.name)


def listed_sha256(archive):
    """The sha256 the SHA256SUMS next to a vendored archive lists for it (None if unlisted)."""
    sums = archive.parent / "SHA256SUMS"
    if not sums.is_file():
        return None
    for line in sums.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == archive.name:
            return parts[0]
    return None


def vendor_source(spec, rest, workdir):
    path, _, query = rest.partition("?")
    archive = pathlib.Path(path)
    params = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    unknown = sorted(set(params) - {"name", "version", "include", "root", "patch"})
    if unknown:
        raise LayerError("vendor source %r: unknown parameter(s) %s" % (spec, ", ".join(unknown)))
    for key in ("name", "version", "include"):
        if not params.get(key):
            raise LayerError("vendor source %r needs %s=" % (spec, key))
    if not archive.is_file():
        raise LayerError("vendor source %r: %s does not exist" % (spec, archive))
    digest = sha256_file(archive)
    listed = listed_sha256(archive)
    if listed is None:
        raise LayerError("%s is not listed in %s" % (archive.name, archive.parent / "SHA256SUMS"))
    if listed != digest:
        raise LayerError("%s: sha256 %s, but SHA256SUMS lists %s" % (archive.name, digest, listed))
    unpacked = pathlib.Path(tempfile.mkdtemp(prefix="vendor-", dir=workdir))
    run(["tar", "-xf", str(archive), "-C", str(unpacked)])
    tops = sorted(unpacked.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise LayerError("%s: expected one top directory, found %s" % (archive.name, [t.name for t in tops]))
    top = tops[0]
    patches = apply_patches(spec, params.get("patch", ""), top)
    root = top / params["root"] if params.get("root") else top
    staged = pathlib.Path(tempfile.mkdtemp(prefix="staged-", dir=workdir))
    tops_out = []
    for name in params["include"].split(","):
        item = root / name
        if item.is_dir():
            shutil.copytree(item, staged / name)
            tops_out.append(name)
        elif item.is_file() and name.endswith(".py"):
            shutil.copy2(item, staged / name)
            tops_out.append(name[:-3])
        else:
            raise LayerError("vendor source %r: %s is neither a package directory nor a .py module in %s"
                             % (spec, name, archive.name))
    dist, version = params["name"], params["version"]
    # What a wheel install writes for importlib.metadata (normalised name, PEP 427).
    meta_dir = staged / ("%s-%s.dist-info" % (re.sub(r"[-_.]+", "_", dist), version))
    meta_dir.mkdir()
    (meta_dir / "METADATA").write_text("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (dist, version), "utf-8")
    (meta_dir / "top_level.txt").write_text("".join(t + "\n" for t in sorted(tops_out)), "utf-8")
    # The manifest names the archive and patches by file name: the record is the same wherever
    # the build ran.
    shown = dict(params, patch=",".join(n for n, _ in patches)) if patches else dict(params)
    recorded = "vendor:%s?%s" % (archive.name, urllib.parse.urlencode(sorted(shown.items()), safe=","))
    src = Source(recorded, staged, "vendor", dist, version, digest, archive.name)
    src.patches = patches
    return src


def open_source(spec, deb_cache, workdir):
    kind, _, rest = spec.partition(":")
    if kind == "deb":
        return fetch_deb(spec, rest, deb_cache, workdir)
    if kind == "debfile":
        return deb_source(spec, rest, workdir)
    if kind == "wheel":
        return wheel_source(spec, rest, workdir)
    if kind == "vendor":
        return vendor_source(spec, rest, workdir)
    if kind == "dir":
        if not pathlib.Path(rest).is_dir():
            raise LayerError("dir source %r is not a directory" % rest)
        return Source(spec, rest, "dir")
    if spec.endswith(".whl"):
        return open_source("wheel:" + spec, deb_cache, workdir)
    if spec.endswith(".deb"):
        return open_source("debfile:" + spec, deb_cache, workdir)
    if pathlib.Path(spec).is_dir():
        return open_source("dir:" + spec, deb_cache, workdir)
    raise LayerError("unknown source %r (deb:PKG=VER, debfile:PATH, dir:PATH, wheel:PATH or vendor:PATH?...)" % spec)


# ----------------------------------------------------------------------------- metadata

def distributions(root):
    """(name, version, metadata dir) of each *.dist-info / *.egg-info in a source root."""
    out = []
    for meta_dir in sorted(root.iterdir()):
        if meta_dir.name.endswith(".dist-info"):
            meta_file = meta_dir / "METADATA"
        elif meta_dir.name.endswith(".egg-info"):
            meta_file = meta_dir / "PKG-INFO" if meta_dir.is_dir() else meta_dir
        else:
            continue
        if meta_file.is_file():
            meta = email.parser.Parser().parsestr(meta_file.read_text("utf-8", errors="replace"))
            out.append({"name": meta["Name"], "version": meta["Version"], "metadata": meta_dir.name})
    return out


# ----------------------------------------------------------------------------- layer

def dropped_package(rel, drop_tests, drop_packages):
    """The dotted package a file is dropped with, or None when it is kept."""
    dirs = rel.parts[:-1]
    for pkg in drop_packages:
        parts = tuple(pkg.split("."))
        if dirs[:len(parts)] == parts:
            return pkg
    if drop_tests and "tests" in dirs:
        return ".".join(dirs[:dirs.index("tests") + 1])
    return None


def collect(sources, drop_tests, drop_packages=(), omit_compiled=False):
    """Map archive name -> (source, path) over all sources; refuse compiled extensions (or, with
    omit_compiled, leave them out and list them). Dropped files are returned as (source,
    relative path, dotted package)."""
    entries = {}
    dropped = []
    compiled = []
    for src in sources:
        for path in sorted(src.root.rglob("*")):
            rel = path.relative_to(src.root)
            if path.is_dir() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
                continue
            if path.name.endswith(COMPILED_SUFFIXES) or ".so." in path.name:
                compiled.append("%s: %s" % (src.spec, rel.as_posix()))
                continue
            pkg = dropped_package(rel, drop_tests, drop_packages)
            if pkg is not None:
                dropped.append((src, rel, pkg))
                continue
            name = rel.as_posix()
            if len(rel.parts) == 1 and name.endswith(".egg-info"):
                # A single-file egg-info (Debian's sympy) is unreadable for importlib.metadata
                # inside a zip (zipfile.Path has no file-as-directory): store it as a directory.
                name += "/PKG-INFO"
            if name.endswith(".py"):
                name = name[:-3] + ".pyc"
            if name in entries:
                raise LayerError("%s is in both %s and %s" % (name, entries[name][0].spec, src.spec))
            entries[name] = (src, path)
    if compiled and omit_compiled:
        return entries, dropped, compiled
    if compiled:
        raise LayerError("compiled extensions are not allowed in a layer (the sandbox runs pure Python):\n  "
                         + "\n  ".join(compiled))
    return entries, dropped, []


def module_name(archive_name):
    parts = archive_name[:-4].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree, this_module, is_package):
    """(module, top_level) for each import in a module's AST, relative imports resolved."""
    package = this_module if is_package else this_module.rpartition(".")[0]
    out = []

    def visit(node, top):
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)] if child.level > 1 else base
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                out.append((mod, top))
                out.extend((mod + "." + alias.name, top) for alias in child.names)
            visit(child, inner)

    visit(tree, True)
    return out


def check_dropped(trees, dropped_modules):
    """Errors for module-level imports of dropped modules; warnings for function-level ones."""
    errors, notes = [], []
    if not dropped_modules:
        return errors, notes

    def is_dropped(mod):
        return any(mod == d or mod.startswith(d + ".") for d in dropped_modules)

    for mod, (tree, is_pkg) in sorted(trees.items()):
        for target, top in imported_modules(tree, mod, is_pkg):
            if is_dropped(target):
                (errors if top else notes).append("%s imports %s (dropped)" % (mod, target))
    return sorted(set(errors)), sorted(set(notes))


def dropped_packages(dropped):
    return sorted({pkg for _, _, pkg in dropped})


def build(args):
    runtime_magic = check_magic(args.runtime_zip)
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="layer-") as workdir:
        sources = [open_source(s, args.deb_cache, workdir) for s in args.sources]
        entries, dropped, omitted = collect(sources, args.drop_tests, args.drop_package, args.omit_compiled)
        if not entries:
            raise LayerError("the sources hold no files")
        files = {}          # archive name -> bytes
        trees = {}          # module -> (ast, is_package)
        uncompressed_src = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # SyntaxWarning: invalid escape sequences etc.
            for name in sorted(entries):
                src, path = entries[name]
                data = path.read_bytes()
                if not name.endswith(".pyc"):
                    files[name] = data
                    continue
                uncompressed_src += len(data)
                rel = path.relative_to(src.root).as_posix()
                try:
                    tree = compile(data, args.code_prefix + rel, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                    code = compile(tree, args.code_prefix + rel, "exec", dont_inherit=True, optimize=0)
                except SyntaxError as err:
                    raise LayerError("%s: %s does not compile: %s" % (src.spec, rel, err)) from None
                trees[module_name(name)] = (tree, name.endswith("/__init__.pyc"))
                files[name] = bytes(bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False))
        dropped_mods = dropped_packages(dropped)
        errors, notes = check_dropped(trees, dropped_mods)
        if errors:
            raise LayerError("--drop-tests would break imports; keep the tests or fix:\n  " + "\n  ".join(errors))

        base = "%s-%s" % (args.name, args.version)
        zip_path = out_dir / (base + ".zip")
        write_zip(zip_path, files)
        dists = []
        for src in sources:
            dists.extend(dict(d, source=src.spec) for d in distributions(src.root))
        warnings_out = ["function-level import of a dropped module: " + n for n in notes]
        warnings_out += ["compiled extension left out (the package's pure-Python fallback is used): " + c
                         for c in omitted]
        packages = []
        for src in sources:
            entry = {"source": src.spec, "origin": src.origin}
            if src.package:
                entry.update(package=src.package, version=src.version, artifact=src.artifact, sha256=src.sha256)
            if src.patches:
                entry["patches"] = [{"file": n, "sha256": h} for n, h in src.patches]
            entry["distributions"] = [{"name": d["name"], "version": d["version"], "metadata": d["metadata"]}
                                      for d in dists if d["source"] == src.spec]
            for d in entry["distributions"]:
                upstream = (src.version or "").split(":")[-1].rsplit("-", 1)[0]
                if src.origin == "deb" and d["version"] != upstream:
                    warnings_out.append("%s: metadata says %s %s, the Debian package is %s" % (
                        src.package, d["name"], d["version"], src.version))
            packages.append(entry)
        top_level = sorted({n.split("/")[0][:-4] if n.count("/") == 0 else n.split("/")[0]
                            for n in files if n.endswith(".pyc")})
        manifest = {
            "format": FORMAT,
            "name": args.name,
            "version": args.version,
            "zip": zip_path.name,
            "zipSha256": sha256_file(zip_path),
            "zipBytes": zip_path.stat().st_size,
            "python": {
                "version": "%d.%d.%d" % sys.version_info[:3],
                "cacheTag": sys.implementation.cache_tag,
                "magic": runtime_magic.hex(),
                "pycKind": "unchecked-hash",
            },
            "codePrefix": args.code_prefix,
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
            "packages": packages,
            "topLevel": top_level,
            "files": len(files),
            "modules": sum(1 for n in files if n.endswith(".pyc")),
            "dataFiles": sum(1 for n in files if not n.endswith(".pyc")),
            "sourceBytes": uncompressed_src,
            "uncompressedBytes": sum(len(v) for v in files.values()),
            "dropped": {
                "packages": dropped_mods,
                "files": len(dropped),
                "bytes": sum((src.root / rel).stat().st_size for src, rel, _ in dropped),
            },
            "warnings": warnings_out,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (out_dir / (base + ".manifest.json")).write_text(text, "utf-8")
        sys.stdout.write(text)
        if args.check_import:
            check_imports(zip_path, args.check_path, args.check_import)
    return manifest


def write_zip(zip_path, files):
    dirs = set()
    for name in files:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]) + "/")
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(set(files) | dirs):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.create_system = 3
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"", compress_type=zipfile.ZIP_STORED)
            else:
                info.external_attr = 0o644 << 16
                zf.writestr(info, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL)
    os.replace(tmp, zip_path)


def check_magic(runtime_zip):
    """The sandbox loads our pycs only if this interpreter's bytecode magic is the runtime's."""
    ours = importlib.util.MAGIC_NUMBER
    if runtime_zip:
        try:
            with zipfile.ZipFile(runtime_zip) as zf:
                pyc = next(n for n in zf.namelist() if n.endswith(".pyc"))
                theirs = zf.read(pyc)[:4]
        except (OSError, zipfile.BadZipFile, StopIteration) as err:
            raise LayerError("cannot read the bytecode magic of the runtime zip %s: %s" % (runtime_zip, err)) from None
        if theirs != ours:
            raise LayerError("bytecode magic of %s (%s) is not the runtime's (%s in %s): run the builder "
                             "with a Python of the runtime's version" % (sys.executable, ours.hex(), theirs.hex(), runtime_zip))
    return ours


def check_imports(zip_path, extra_path, modules):
    """Import the modules natively from the zip alone (no site-packages): a smoke test."""
    code = ("import sys; sys.path[1:1] = %r\n"
            "for m in %r:\n    __import__(m)\n"
            "bad = [m.__name__ for m in list(sys.modules.values()) if getattr(m, '__file__', None) "
            "and '/dist-packages/' in m.__file__ and not m.__file__.startswith(%r)]\n"
            "assert not bad, bad\n") % ([str(zip_path)] + list(extra_path), list(modules), str(zip_path))
    proc = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise LayerError("import check failed for %s:\n%s" % (", ".join(modules), proc.stderr))
    sys.stderr.write("import check ok: %s\n" % ", ".join(modules))


def main(argv=None):
    if sys.flags.hash_randomization or os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable, "-B", os.path.abspath(__file__)] + sys.argv[1:], env)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", required=True, help="layer name (mounted as /usr/lib/codejail-wasm/layers/NAME.zip)")
    p.add_argument("--version", required=True, help="layer version")
    p.add_argument("--out", required=True, help="output directory for NAME-VERSION.zip and .manifest.json")
    p.add_argument("--drop-tests", action="store_true", help="drop directories named tests (checked)")
    p.add_argument("--omit-compiled", action="store_true",
                   help="leave compiled extensions out (listed in the manifest's warnings) instead of refusing "
                        "the package; only for packages with a pure-Python fallback (markupsafe's _speedups)")
    p.add_argument("--drop-package", action="append", default=[], metavar="PKG",
                   help="drop the package PKG (dotted name, e.g. nltk.test; checked like --drop-tests)")
    p.add_argument("--code-prefix", default=DEFAULT_CODE_PREFIX, help="path prefix of code filenames")
    p.add_argument("--deb-cache", help="directory of downloaded .debs (reused, filled by apt-get download)")
    p.add_argument("--runtime-zip", default=str(DEFAULT_RUNTIME_ZIP) if DEFAULT_RUNTIME_ZIP.exists() else None,
                   help="the runtime's stdlib zip, to check the bytecode magic ('' to skip)")
    p.add_argument("--check-import", action="append", default=[], metavar="MODULE",
                   help="after building, import MODULE natively from the zip alone")
    p.add_argument("--check-path", action="append", default=[], metavar="PATH",
                   help="extra sys.path entry for --check-import (e.g. the compat directory)")
    p.add_argument("sources", nargs="+")
    args = p.parse_args(argv)
    if not args.code_prefix.endswith("/"):
        args.code_prefix += "/"
    try:
        build(args)
    except LayerError as err:
        sys.stderr.write("build_layer: error: %s\n" % err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
