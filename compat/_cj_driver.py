"""Run one request in the warm interpreter the way `python3 ARGS...` runs as a process.

The host (src/sandbox) restores a snapshot of an initialised interpreter, then calls
run() through cj_run() in python-wasm/src/cjentry.c.  run() reproduces what CPython's
own main() would do for the same command line: parse the interpreter options, set
sys.argv/sys.path/cwd/environment, execute the script, turn SystemExit into an exit
status, print uncaught exceptions through sys.excepthook, run atexit handlers and flush
the standard streams.  Frames of this module never appear in a traceback.
"""
import builtins
import sys
from _frozen_importlib import ModuleSpec as _ModuleSpec

# Which modules each module's body imported, recorded while the snapshot is built (through
# builtins.__import__, which import statements call, until end_warmup()): a run that imports a
# module the snapshot holds is handed it with what its native import would load besides.
_IMPORTED_BY = {}
_NATIVE_IMPORT = builtins.__import__


def _importing_module():
    """The name of the module whose body is running the current import, if one is."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            spec = frame.f_globals.get("__spec__")
            if spec is not None and getattr(spec, "_initializing", False):
                return spec.name
        frame = frame.f_back
    return None


def _recording_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = _NATIVE_IMPORT(name, globals, locals, fromlist, level)
    importer = _importing_module()
    if importer is not None:
        if level > 0:
            # importlib._bootstrap._resolve_name, without importing anything here.
            package = (globals or {}).get("__package__") or (globals or {}).get("__name__", "").rpartition(".")[0]
            base = package.rsplit(".", level - 1)[0]
            absolute = base + "." + name if name else base
        else:
            absolute = name
        names = _IMPORTED_BY.setdefault(importer, set())
        names.add(absolute)
        for item in fromlist or ():
            if absolute + "." + item in sys.modules:
                names.add(absolute + "." + item)
    return module


builtins.__import__ = _recording_import

import atexit  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import types  # noqa: E402
import zipimport  # noqa: E402
from importlib.machinery import SourceFileLoader  # noqa: E402
from _frozen_importlib_external import _path_stat  # noqa: E402

import _cj_confinement  # noqa: E402

# Before anything imports socket or subprocess: the sandbox answers as codejail's confinement.
_cj_confinement.install()

class _DottedBuiltinFinder:
    """Finds built-in modules registered under dotted names (numpy's extension modules in a
    runtime variant). BuiltinImporter only looks at top-level names: it returns None whenever
    a package path is given, which is the case for every submodule."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        # Names from the always-loaded bootstrap: importing importlib.machinery here would
        # come back through this finder and recurse.
        if "." not in name:  # before the imports below: every failed import asks here
            return None
        import _imp
        from _frozen_importlib import BuiltinImporter, ModuleSpec
        if _imp.is_builtin(name):
            return ModuleSpec(name, BuiltinImporter, origin="built-in")
        return None


if any("." in _name for _name in sys.builtin_module_names):
    sys.meta_path.insert(0, _DottedBuiltinFinder)


def _image_path():
    """Library layers of the runtime image (zips), listed by the host in image.json."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "image.json"), "rb") as f:
            return list(json.load(f).get("sys_path", []))
    except FileNotFoundError:
        return []


# The module search path of Debian's python3.11 started as codejail starts it: the stdlib zip
# it looks for (and that does not exist), the stdlib with its bytecode in __pycache__, the
# (here empty) extension directory, and Debian's packages. The runtime boots from the stdlib
# zip at the first entry; runs do not see it (the host leaves it out of their filesystem).
_STDLIB_ZIP = "/usr/lib/python311.zip"
_STDLIB = "/usr/lib/python3.11"
_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
_NATIVE_PATH = [_STDLIB_ZIP, _STDLIB, _STDLIB + "/lib-dynload", _DIST_PACKAGES]


def _native_source(zip_path):
    """/usr/lib/python311.zip/json/__init__.pyc -> /usr/lib/python3.11/json/__init__.py"""
    rel = zip_path[len(_STDLIB_ZIP) + 1:]
    return _STDLIB + "/" + (rel[:-1] if rel.endswith(".pyc") else rel)


def _as_native_module(name, module):
    """A module imported while the runtime booted, given what a native import gives it: a module
    from the stdlib zip gets its source file under /usr/lib/python3.11, its __pycache__
    bytecode and a SourceFileLoader; a frozen one its source file name (natively known from
    sys._stdlib_dir, which the runtime's fixed search path leaves unset)."""
    file = getattr(module, "__file__", None) or ""
    spec = getattr(module, "__spec__", None)
    if spec is not None and spec.origin == "frozen":
        state = spec.loader_state
        if file.startswith(_STDLIB_ZIP + "/"):
            module.__file__ = _native_source(file)  # importlib/__init__.py names _bootstrap's file
        elif state is not None and state.filename is None and name != "_frozen_importlib":
            is_package = spec.submodule_search_locations is not None
            source = _STDLIB + "/" + state.origname.replace(".", "/") + ("/__init__.py" if is_package else ".py")
            if os.path.isfile(source):
                state.filename = module.__file__ = source
        return
    if not file.startswith(_STDLIB_ZIP + "/"):
        return
    source = _native_source(file)
    is_package = hasattr(module, "__path__")
    loader = SourceFileLoader(name, source)
    spec = importlib.util.spec_from_file_location(
        name, source, loader=loader, submodule_search_locations=[os.path.dirname(source)] if is_package else None)
    module.__spec__, module.__loader__ = spec, loader
    module.__file__, module.__cached__ = source, spec.cached
    if is_package:
        module.__path__ = [os.path.dirname(source)]


class _LayerImporter(zipimport.zipimporter):
    """A layer zip's importer. Its modules' files are named at dist-packages paths, where the
    host puts the zip's package data (read-only): get_data reads those as a native loader does
    (pkgutil.get_data), instead of looking the path up in the zip (OSError with errno 0)."""

    def get_data(self, pathname):
        if pathname.startswith(_DIST_PACKAGES + "/"):
            with open(pathname, "rb") as f:
                return f.read()
        return super().get_data(pathname)


class _LayerFinder:
    """The image's library layers (pyc-only zips under /usr/lib/codejail-wasm/layers), found
    where Debian's dist-packages is on sys.path (_DistPackagesFinder) or, without it, after
    everything on sys.path, and presented where Debian installs them: `sympy.__file__` is
    /usr/lib/python3/dist-packages/sympy/__init__.py and its __path__ that directory, as
    natively (the code comes from the zip, whose code objects carry the same file names; the
    package data is in that directory). A native sys.path has no entries for the zips."""

    def __init__(self, archives):
        self._zipimporter = _LayerImporter
        self._archives = list(archives)
        self._importers = {}
        # Top-level packages found in a layer: their submodules are looked up here first
        # (their __path__ names a dist-packages directory the filesystem does not have).
        self._packages = set()
        # Per archive, the first path component of every file in it, with and without a
        # module suffix (index_names): a name whose top level is not among them is not in the
        # archive, and its zipimporter need not be asked (every failing import asks each
        # archive twice: the safe_exec program's `import simplejson` is one).
        self._names = {}

    def _importer(self, archive, package_dir):
        key = (archive, package_dir)
        if key not in self._importers:
            self._importers[key] = self._zipimporter(archive + package_dir)
        return self._importers[key]

    def find_spec(self, name, path=None, target=None):
        parts = name.split(".")
        if path is not None and parts[0] not in self._packages:
            return None  # not a layer's package: PathFinder's business
        package_dir = "".join("/" + p for p in parts[:-1])
        top = parts[0]
        for archive in self._archives:
            names = self._names.get(archive)
            if names is not None and top not in names:
                continue
            try:
                spec = self._importer(archive, package_dir).find_spec(name, target)
            except (ImportError, OSError):
                continue
            if spec is None:
                continue
            native = _DIST_PACKAGES + "/" + "/".join(parts)
            if spec.submodule_search_locations is not None:
                spec.origin, spec.submodule_search_locations = native + "/__init__.py", [native]
            else:
                spec.origin = native + ".py"
            spec.has_location = True
            if len(parts) == 1 and spec.submodule_search_locations is not None:
                self._packages.add(name)
            return spec
        return None

    def index_names(self):
        """Fill _names from the archives' directories (read-only: the index stays true)."""
        for archive in self._archives:
            try:
                files = self._importer(archive, "")._files
            except (ImportError, OSError):
                continue
            names = set()
            for path in files:
                first = path.split("/", 1)[0]
                names.add(first)
                for suffix in (".pyc", ".py"):
                    if first.endswith(suffix):
                        names.add(first[:-len(suffix)])
            self._names[archive] = frozenset(names)

    def find_distributions(self, context=None):
        """The layers' distribution metadata (their .dist-info), for importlib.metadata."""
        from importlib.metadata import DistributionFinder, MetadataPathFinder
        name = context.name if context is not None else None
        return MetadataPathFinder.find_distributions(DistributionFinder.Context(name=name, path=self._archives))


class _LayerSubmodules:
    """The layers' finder for submodules of their packages only, placed before PathFinder."""

    def __init__(self, layers):
        self._layers = layers

    def find_spec(self, name, path=None, target=None):
        return None if path is None else self._layers.find_spec(name, path, target)


class _DistPackagesFinder:
    """The finder of sys.path's dist-packages entry: the directory's own modules (compat's six,
    random2), else the layers' packages. The directory holds each layer package's data files
    (nltk/VERSION), so FileFinder alone would take nltk for a namespace package there."""

    def __init__(self, files, layers):
        self._files, self._layers = files, layers

    @classmethod
    def path_hook(cls, layers):
        def hook(path):
            if path != _DIST_PACKAGES:
                raise ImportError("not dist-packages", path=path)
            for other in sys.path_hooks:  # the directory's own finder (FileFinder's hook)
                if other is not hook:
                    try:
                        return cls(other(path), layers)
                    except ImportError:
                        continue
            raise ImportError("no finder for " + path, path=path)
        return hook

    def find_spec(self, name, target=None):
        spec = self._files.find_spec(name, target)
        if spec is not None and spec.loader is not None:
            return spec
        return self._layers.find_spec(name, None, target) or spec

    def invalidate_caches(self):
        self._files.invalidate_caches()


sys._stdlib_dir = _STDLIB
import importlib.util  # noqa: E402  (before the pass below: it is one of the modules to mend)
from importlib.machinery import FileFinder  # noqa: E402
for _name, _module in list(sys.modules.items()):
    _as_native_module(_name, _module)
_LAYERS = _LayerFinder(_image_path())
# Top-level names where dist-packages is on sys.path (last natively: a layer cannot shadow the
# jail's modules), or after everything when it is not; submodules of a layer's package before
# PathFinder.
sys.meta_path.insert(0, _LayerSubmodules(_LAYERS))
sys.meta_path.append(_LAYERS)
sys.path_hooks.insert(0, _DistPackagesFinder.path_hook(_LAYERS))
_BASE_PATH = list(_NATIVE_PATH)
_LIBRARY_PREFIXES = ("/usr/lib/",)
sys.path[:] = _BASE_PATH
sys.path_importer_cache.clear()
# Programs compiled while the snapshot was built (the safe_exec wrapper), keyed by source.
# A run whose source is identical reuses the code object with its own file name instead of
# compiling again: same bytecode, same tracebacks, a fraction of the work.
_COMPILED = {}
_WARMING = True


def _seeds(*attributes):
    """Seed the module's generators at `attributes` (None: the module's own) from the OS."""
    def reseed(module):
        for attribute in attributes:
            generator = module if attribute is None else getattr(module, attribute, None)
            if hasattr(generator, "seed"):
                generator.seed()
    return reseed


def _new_global_random_state(mtrand):
    """`_rand = RandomState()`: a new MT19937 from a SeedSequence of fresh entropy. Made again in
    place: numpy.random's functions are bound to this object."""
    mtrand._rand.__init__()


def _new_start_time(logging):
    """`_startTime = time.time()`, the base of every record's relativeCreated."""
    logging._startTime = logging.time.time()


# What held modules take from the OS when they are imported: generators seeded from its
# randomness, the clock. Natively each process does that when it imports them; a run is handed
# them as the snapshot's warm-up left them (and the warm-up's randomness and clock are fixed: every
# run of every deployment drew numpy's same numbers until they were added here), so each is done
# again, from the run's randomness and clock, when the run is handed the module (_WarmModules),
# not in every run: seeding draws 2.5 KB from the host, ~5.5 M fuel, and most runs import none.
_IMPORT_TIME_STATE = {
    "random": _seeds(None),
    "random2": _seeds(None),  # its module-level Random (capa's prolog makes its own, seeded)
    "numpy.random.mtrand": _new_global_random_state,
    "sympy.core.random": _seeds("rng", "_assumptions_rng"),
    "sympy.ntheory.ecm": _seeds("rgen"),
    "sympy.ntheory.qs": _seeds("rgen"),
    "logging": _new_start_time,
}
_USAGE = (
    "usage: {prog} [option] ... [-c cmd | -m mod | file | -] [arg] ...\n"
    "Try `python -h' for more information.\n"
)
# Options that take no argument, and those that take one (as in CPython 3.11's getopt).
_FLAGS = set("bBdEhiIOPqsSuvVx")
_WITH_ARG = set("WX")


class _Usage(Exception):
    pass


def _parse(args):
    """Return (mode, target, rest, flags) from the arguments after the program name."""
    flags = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-" or not arg.startswith("-"):
            break
        if arg == "--":
            i += 1
            break
        if arg.startswith("--"):
            raise _Usage("unknown option " + arg)
        j = 1
        while j < len(arg):
            ch = arg[j]
            if ch in ("c", "m"):
                value = arg[j + 1:]
                if not value:
                    if i + 1 >= len(args):
                        raise _Usage("Argument expected for the -%s option" % ch)
                    value = args[i + 1]
                    i += 1
                return ("command" if ch == "c" else "module"), value, args[i + 1:], flags
            if ch in _WITH_ARG:
                if j + 1 < len(arg):
                    flags.append((ch, arg[j + 1:]))
                elif i + 1 < len(args):
                    flags.append((ch, args[i + 1]))
                    i += 1
                else:
                    raise _Usage("Argument expected for the -%s option" % ch)
                break
            if ch not in _FLAGS:
                raise _Usage("Unknown option: -%s" % ch)
            flags.append((ch, None))
            j += 1
        i += 1
    if i >= len(args) or args[i] == "-":
        return "stdin", "-", args[i + 1:], flags
    return "file", args[i], args[i + 1:], flags


def _exit_status(exc):
    """CPython's handling of an uncaught SystemExit (Python/pythonrun.c)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _user_traceback(tb):
    """`tb` without the frames of this module and of the confinement shims: natively neither
    exists (the interpreter's main loop runs the program, the kernel refuses what the
    confinement refuses)."""
    kept = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename != __file__ and not _cj_confinement.hidden(code):
            kept.append(tb)
        tb = tb.tb_next
    rebuilt = None
    for entry in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return rebuilt


def _trim_chain(exc):
    """Trim the tracebacks of `exc` and of the exceptions chained to it (printed with it)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = _user_traceback(exc.__traceback__)
        if exc.__cause__ is not None:
            _trim_chain(exc.__cause__)
        exc = exc.__context__


def _report(exc):
    """Print an uncaught exception the way the interpreter's main loop does."""
    # PyErr_Display prints each exception's own __traceback__, so trim them there.
    _trim_chain(exc)
    tb = exc.__traceback__
    try:
        sys.excepthook(type(exc), exc, tb)
    except BaseException as hook_error:  # the hook itself failed: CPython prints both
        try:
            sys.stderr.write("Error in sys.excepthook:\n")
            _trim_chain(hook_error)
            sys.__excepthook__(type(hook_error), hook_error, hook_error.__traceback__)
            sys.stderr.write("\nOriginal exception was:\n")
            sys.__excepthook__(type(exc), exc, tb)
        except BaseException:
            pass
    # An uncaught KeyboardInterrupt kills the process with SIGINT since 3.8.
    return -2 if isinstance(exc, KeyboardInterrupt) else 1


def _flush_std_streams():
    """Py_FinalizeEx flushes sys.stdout/sys.stderr; a failing flush makes the status 120."""
    failed = False
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None:
            continue
        try:
            stream.flush()
        except Exception:
            failed = failed or name == "stdout"
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    return failed


def _fresh_main(filename, loader=None):
    main = types.ModuleType("__main__")
    main.__dict__.update({
        "__builtins__": builtins,
        "__loader__": loader,
        "__spec__": None,
        "__annotations__": {},
    })
    if filename is not None:
        main.__file__ = filename
        main.__cached__ = None
    sys.modules["__main__"] = main
    return main.__dict__


_ENCODED_ENVIRONMENT = [None, None]


def _set_environment(env):
    """os.environ (and the C environment under it) as a process started with `env` has it."""
    wanted = dict(env)
    # A native interpreter started with no locale variables coerces the C locale and records
    # it in the environment (PEP 538).
    if not any(wanted.get(k) for k in ("LC_ALL", "LC_CTYPE", "LANG")):
        wanted["LC_CTYPE"] = "C.UTF-8"
    # A restored interpreter holds the snapshot's environment, made by the steps below from the
    # warm-up runs' environment, which is every jail_code run's: then they would change nothing.
    # The encoded form of the last environment asked for is kept (in the snapshot: the warm-up's).
    items = list(wanted.items())
    if items != _ENCODED_ENVIRONMENT[0]:
        encode_key, encode_value = os.environ.encodekey, os.environ.encodevalue
        _ENCODED_ENVIRONMENT[:] = [items, [(encode_key(k), encode_value(v)) for k, v in items]]
    if list(os.environ._data.items()) == _ENCODED_ENVIRONMENT[1]:
        return
    os.environ.clear()
    os.environ.update(wanted)


def _prepare(request):
    # Undo what an earlier program (the warm-up runs baked into the snapshot) may have swapped.
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
    sys.excepthook = sys.__excepthook__
    sys.displayhook = sys.__displayhook__
    _set_environment(request.get("env", {}))
    os.chdir(request["cwd"])
    sys.path[:] = _BASE_PATH
    sys.orig_argv = list(request["argv"])
    # The WASI build defaults to 600; a native interpreter allows 1000 Python frames.
    sys.setrecursionlimit(1000)
    # Finders of earlier runs' directories go; the library's (made while the snapshot was
    # built, their directory listings included) stay.
    for entry in [e for e in sys.path_importer_cache if not e.startswith(_LIBRARY_PREFIXES)]:
        del sys.path_importer_cache[entry]


def _execute(mode, target, rest, flags, program):
    """Run the program; return its exit status."""
    isolated = any(f == "I" or f == "P" for f, _ in flags)
    if mode == "module":
        sys.argv = ["-m"] + rest
        if not isolated:
            sys.path.insert(0, os.getcwd())
        import runpy
        _fresh_main(None)
        runpy._run_module_as_main(target, alter_argv=True)
        return 0
    if mode == "command":
        sys.argv = ["-c"] + rest
        if not isolated:
            sys.path.insert(0, "")
        code = compile(target, "<string>", "exec")
        exec(code, _fresh_main(None))
        return 0
    if mode == "stdin":
        sys.argv = ["-" if target == "-" else ""] + rest
        if not isolated:
            sys.path.insert(0, "")
        source = sys.stdin.buffer.read()
        code = compile(source, "<stdin>", "exec")
        exec(code, _fresh_main(None))
        return 0
    path = os.path.abspath(target)
    sys.argv = [target] + rest
    if not isolated:
        sys.path.insert(0, os.path.dirname(path))
    try:
        source = _read_file(path)
    except OSError as err:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (program, path, err.errno, err.strerror))
        return 2
    # Since 3.9 the script's __file__ and code filename are absolute.
    code = _compile_script(source, path)
    exec(code, _fresh_main(path, SourceFileLoader("__main__", path)))
    return 0


def _read_file(path):
    """The file's bytes through the os module: 4 host calls where io.open's buffered reader
    makes 10 (its fstat, isatty, tell and seek). Errors carry the same errno (a directory opens,
    then reading it fails with EISDIR, as io.open reports it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _with_filename(code, filename):
    consts = tuple(_with_filename(c, filename) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _compile_script(source, path):
    cached = _COMPILED.get(source)
    if cached is not None:
        return _with_filename(cached, path)
    code = compile(source, path, "exec")
    if _WARMING:
        _COMPILED[source] = code
    return code


def _listing_lacks(finder, fullname):
    """Whether a FileFinder's current listing has neither `fullname`'s last component nor a
    module file of it, i.e. FileFinder.find_spec would return None (sys.platform is never a
    case-insensitive one here, and sys.flags.verbose is 0, so it would print nothing either)."""
    tail = fullname.rpartition(".")[2]
    cache = finder._path_cache
    if tail in cache:
        return False
    for suffix, _ in finder._loaders:
        if tail + suffix in cache:
            return False
    return True


class _RunDirFinder(FileFinder):
    """FileFinder for the directories a run brings (its jail directory, python_path entries,
    packages in them): a name the directory lacks is answered after FileFinder's own stat and
    refresh of the listing (the run may have written files there), without its loop that joins
    a path for every suffix. A failed import walks every directory on sys.path: the safe_exec
    program's `import simplejson` is one in every request."""

    def find_spec(self, fullname, target=None):
        try:
            mtime = _path_stat(self.path or os.getcwd()).st_mtime
        except OSError:
            mtime = -1
        if mtime != self._path_mtime:
            self._fill_cache()
            self._path_mtime = mtime
        if _listing_lacks(self, fullname):
            return None
        return super().find_spec(fullname, target)


def _run_dir_finders():
    """FileFinder's path hook (last on sys.path_hooks) makes _RunDirFinders from now on, with
    the same loaders; the hook is the same function (its qualified name is FileFinder's)."""
    hook = sys.path_hooks[-1]
    cells = dict(zip(hook.__code__.co_freevars, (c.cell_contents for c in hook.__closure__ or ())))
    if cells.get("cls") is not FileFinder or "loader_details" not in cells:
        raise RuntimeError("the last path hook is not FileFinder's: %r" % (hook,))
    sys.path_hooks[-1] = _RunDirFinder.path_hook(*cells["loader_details"])


class _LibraryDirFinder(FileFinder):
    """The finder of a library directory on the base path (the stdlib, dist-packages): read-only
    in every run, so the listing it holds from the snapshot is final. A name the listing lacks
    (a failed import, such as the safe_exec program's `import simplejson`, walks every one of
    them) is answered at once, without FileFinder's stat of the directory (a host call) and its
    loop over suffixes; everything else is FileFinder's own lookup."""

    def find_spec(self, fullname, target=None):
        # -1: invalidate_caches() was called, FileFinder refills
        if self._path_mtime != -1 and _listing_lacks(self, fullname):
            return None
        return super().find_spec(fullname, target)


def _freeze_library_finders():
    """The base path's FileFinders made by the warm-up runs (dist-packages' inside its
    _DistPackagesFinder) become _LibraryDirFinders."""
    for entry in _BASE_PATH:
        finder = sys.path_importer_cache.get(entry)
        if isinstance(finder, _DistPackagesFinder):
            finder = finder._files
        if type(finder) is FileFinder:
            finder.__class__ = _LibraryDirFinder


# What a native `python3 -E -B script` has in sys.modules when the script starts (CPython 3.11
# on Debian, in a virtual environment as codejail runs it): the interpreter's own modules and
# site's. A run starts with these (but site, _sitebuiltins and pwd: the sandbox runs no site and
# has no pwd); every other module the snapshot holds waits in _WARM until a run imports it.
_NATIVE_AT_START = frozenset((
    "__main__", "_abc", "_codecs", "_collections_abc", "_frozen_importlib", "_frozen_importlib_external",
    "_imp", "_io", "_signal", "_sitebuiltins", "_stat", "_thread", "_warnings", "_weakref", "abc",
    "builtins", "codecs", "encodings", "encodings.aliases", "encodings.utf_8", "genericpath", "io",
    "marshal", "os", "os.path", "posix", "posixpath", "pwd", "site", "stat", "sys", "time", "zipimport",
))
_WARM = {}
_BROUGHT_IN = {}
# _IMPORT_TIME_STATE's modules that the snapshot holds and this run has not been handed.
_NOT_YET_HANDED = {}
# end_warmup keeps the closure of every held module that brings in at most this many modules
# (json 31, six 40, random 25 on openedx-2026.1): a run's cache is gone with its restore, and
# walking the import graph again made most of a warm import's cost. Larger ones (sympy, scipy:
# hundreds each, 0.9 M names for all 1,849 held modules) are walked when a run imports them.
_KEPT_CLOSURE = 64


def _brought_in(name, limit=None):
    """`name`, what its body imported and so on, with their parent packages: what importing
    it loads natively into an interpreter that has none of them (in the order a set of them
    iterates, as sys.modules receives them). With `limit`: None when there are more."""
    found = _BROUGHT_IN.get(name)
    if found is None:
        found, todo = set(), [name]
        while todo:
            n = todo.pop()
            if n in found:
                continue
            found.add(n)
            if limit is not None and len(found) > limit:
                return None
            todo.extend(_IMPORTED_BY.get(n, ()))
            todo.extend(n[:i] for i, c in enumerate(n) if c == ".")
        found = _BROUGHT_IN[name] = tuple(found)
    return found


class _WarmLoader:
    """Loads a module the snapshot holds by handing over its module object: its code ran when
    the snapshot was built and does not run again (the warm import's speed)."""

    def __init__(self, module):
        self._module = module
        self._spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self._module

    def exec_module(self, module):
        # importlib set the module's __spec__ to this loader's: give it back its own.
        module.__spec__ = self._spec


class _WarmModules:
    """First on sys.meta_path: a run's first import of a module the snapshot holds gets that
    module, and sys.modules what a native import of it would load besides. Each is handed over
    once per run: imported again after its removal from sys.modules, or reloaded, its code runs
    from its file as it would natively (a fresh module object, a reload that re-executes)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if target is not None:  # importlib.reload
            _WARM.pop(name, None)
            return None
        module = _WARM.pop(name, None)
        if module is None:
            return None
        for other in _brought_in(name):
            if other != name and other not in sys.modules and other in _WARM:
                sys.modules[other] = _WARM.pop(other)
        if _NOT_YET_HANDED:
            _renew_handed_over(name, module)
        original = getattr(module, "__spec__", None)
        return _ModuleSpec(name, _WarmLoader(module), origin=getattr(original, "origin", None),
                           is_package=hasattr(module, "__path__"))


def _renew_handed_over(name, module):
    """Renew the import-time state of the modules this run has been handed so far: the
    closure's are in sys.modules, `module` (`name`) is not yet."""
    for handed in [n for n in _NOT_YET_HANDED if n not in _WARM]:
        renew = _NOT_YET_HANDED.pop(handed)
        target = module if handed == name else sys.modules.get(handed)
        if target is not None:
            renew(target)


def held_modules():
    """The names of every module the snapshot holds, imported by this run or not (what
    bench/courseImports.ts checks course imports against)."""
    return set(sys.modules) | set(_WARM)


def end_warmup(freeze=True, headroom=True):
    """Called once before the snapshot: later compilations are not cached, and caches that hold
    files open are emptied. A file opened before the snapshot is not open in a restored run:
    importlib.metadata keeps each zip on sys.path open once listed (networkx 3 lists them all
    at import, for its backends' entry points), and would read from a dead descriptor.
    `freeze=False` leaves the warm-up's objects where the collector walks them (for
    bench/gcFreeze.ts's comparison only), `headroom=False` the heap without its free top (for
    bench/growth.ts's)."""
    global _WARMING
    _WARMING = False
    metadata = sys.modules.get("importlib.metadata")
    if metadata is not None:
        metadata.FastPath.__new__.cache_clear()
    import gc  # here: held aside below with the other modules natively not loaded at start
    _allocate_blas_buffer()
    _freeze_library_finders()
    _run_dir_finders()
    # From here a run starts with the modules a native interpreter starts with.
    builtins.__import__ = _NATIVE_IMPORT
    for name in [n for n in sys.modules if n not in _NATIVE_AT_START]:
        _WARM[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _WarmModules)
    _NOT_YET_HANDED.update((m, renew) for m, renew in _IMPORT_TIME_STATE.items() if m in _WARM)
    # What no run changes (the import graph was recorded up to here; the layers are
    # read-only), computed once for every run instead of in each.
    for name in _WARM:
        _brought_in(name, _KEPT_CLOSURE)
    _LAYERS.index_names()
    if freeze:
        _freeze_warm_objects(gc)
    else:
        gc.collect()
    if headroom:
        _reserve_heap_headroom()


def _allocate_blas_buffer():
    """OpenBLAS allocates its work buffer (7.75 MiB) at its first call, which in a run grew the
    instance's memory: a grown instance is replaced and its snapshot copied whole (75-120 ms of
    the worker's time after any run that used numpy.linalg or a matrix product, against ~1 ms).
    One call here puts the buffer in the snapshot, where every run finds it allocated."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.linalg.det(numpy.eye(3))


HEAP_HEADROOM_BYTES = 16 << 20


def _reserve_heap_headroom():
    """Leave the allocator HEAP_HEADROOM_BYTES of free memory at the top of the heap. A run
    that needed more than the snapshot's allocator had free grew the instance's memory, and a
    grown instance is replaced with the whole snapshot copied (65-160 ms of the worker's time
    after dicts of 10,000 lists or `np.arange(100000)`, against ~1 ms). Freed, the block
    joins dlmalloc's top chunk, which wasi-libc never gives back (wasm memory cannot shrink):
    a run allocates from it without growing. Last in the warm-up, so nothing allocated
    afterwards sits above it; its pages stay zero, which the host neither copies nor counts
    against VMEM (the snapshot's freeTop, src/sandbox/snapshotFreeTop.ts)."""
    block = bytearray(HEAP_HEADROOM_BYTES)
    del block


def _freeze_warm_objects(gc):
    """Put every object the warm-up left into gc's permanent generation, which no collection
    walks: natively they would not exist in a fresh process unless the program imported them,
    so a run's full collections (gc.collect(), or automatic ones from allocating) would
    otherwise pay, in fuel and dirtied memory, for walking the whole snapshot (ADR 0004)."""
    # Garbage first, which closes what the caches held while their descriptors are valid:
    # collected in a restored run, each zipfile.ZipFile would print "Exception ignored ... Bad
    # file descriptor"; and frozen garbage would never be freed.
    gc.collect()
    gc.freeze()
    # A full collection of the now empty oldest generation: long_lived_total becomes 0, as in
    # a fresh process that has made no full collection, so automatic full collections come
    # when they would natively (they wait until the survivors since the last one reach a
    # quarter of long_lived_total, which the collection before the freeze set to the snapshot's
    # object count).
    gc.collect()


def run(request_json):
    """Entry point called by cj_run(): run one request, return the exit status."""
    request = json.loads(request_json)
    argv = request["argv"]
    program = argv[0] if argv else "python3"
    _prepare(request)
    try:
        mode, target, rest, flags = _parse(argv[1:])
    except _Usage as err:
        sys.stderr.write("%s\n%s" % (err, _USAGE.format(prog=program)))
        _flush_std_streams()
        return 2
    try:
        status = _execute(mode, target, rest, flags, program)
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:
        status = _report(exc)
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    if _flush_std_streams() and status == 0:
        status = 120
    return status
