"""Run one subpackage's own tests (e.g. scipy.special's) with real pytest and print a JSON
summary as the last line of stdout.

usage: python package_pytest.py PACKAGE.SUBPACKAGE [TEST_PATH...] [-- PYTEST_ARGS...]
Each test's start and outcome are also written as they happen ("CJ-START <id>", "CJ-DONE
<outcome> <id>"), so that a run the sandbox ends in a trap still tells which tests ran and which
one crashed it (the caller runs the rest again without them: --deselect).
Run from a directory holding: pytest-lib/ (Debian's python3-pytest 7.2.1 and the pure-Python
packages it imports), pytest.ini and conftest.py where the package's source tree has them, and
the subpackage's tests/ directories at their paths in the source tree (scipy/special/tests/...),
and other subpackages' that its tests import from or read data from (not run).
TEST_PATHs (default: every tests/ directory of the subpackage) select a slice.

The same files run the same way natively and inside the sandbox, so the counts compare:
- the package itself is the one installed (the runtime's built-in scipy in the sandbox, a native
  build of the same sources natively); its test directories come from this directory, put first
  on each package's __path__, so that both `from .common import x` and
  `from scipy.fft.tests import x` find them;
- pytest imports test files with --import-mode=importlib under their dotted names
  (scipy.special.tests.test_basic), as when the tests are installed with the package.
"""
import json
import os
import pathlib
import sys
import time

HERE = os.getcwd()
sys.path.insert(0, os.path.join(HERE, "pytest-lib"))

# The sandbox denies paths outside the jail directory with EACCES, as codejail's AppArmor
# profile does. pytest 7.2 looks for __init__.py and ini files in every ancestor of the test
# directory, and pathlib's is_file/is_dir/exists turn only ENOENT-like errors into False: a
# path this run may not see is one that is not there.
def _denied_is_absent(probe):
    def wrapped(self, *args, **kwargs):
        try:
            return probe(self, *args, **kwargs)
        except PermissionError:
            return False
    return wrapped


for _name in ("is_file", "is_dir", "exists"):
    setattr(pathlib.Path, _name, _denied_is_absent(getattr(pathlib.Path, _name)))


# scipy's conftest.py makes 'forkserver' multiprocessing's start method on POSIX (for its own
# parallel test runs); the sandbox has no processes, so WASI's multiprocessing has no such
# method and the setting would stop pytest before any test. Where the method does not exist,
# the setting is left undone; tests that start processes still fail on their own.
def _set_start_method_if_available(set_start_method):
    import multiprocessing

    def wrapped(method, force=False):
        if method not in multiprocessing.get_all_start_methods():
            return None
        return set_start_method(method, force=force)
    return wrapped


try:
    import multiprocessing
    multiprocessing.set_start_method = _set_start_method_if_available(multiprocessing.set_start_method)
except ImportError:
    pass


def test_dirs(top):
    """Every tests/ directory (with its __init__.py) under top, sorted."""
    found = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        if os.path.basename(root) == "tests" and "__init__.py" in files:
            found.append(os.path.relpath(root, HERE))
    return found


def put_tests_on_package_paths(tests):
    """Import every package that holds a tests/ directory and put this directory's copy of it
    first on the package's __path__."""
    import importlib
    for rel in tests:
        parent = os.path.dirname(rel)
        package = importlib.import_module(parent.replace(os.sep, "."))
        where = os.path.join(HERE, parent)
        if where not in package.__path__:
            package.__path__.insert(0, where)


def emit(line):
    # Straight to fd 1, unbuffered and past pytest's capture: if the sandbox traps in a test (a
    # crash, like a native segfault, ends the process), the lines before it are out and the last
    # CJ-START without its CJ-DONE names the test that crashed.
    os.write(1, ("\n" + line + "\n").encode("utf-8", "backslashreplace"))


class Outcomes:
    """A pytest plugin: every test's outcome by node id, also written as it is known."""

    def __init__(self):
        self.by_test = {}

    def pytest_runtest_logstart(self, nodeid, location):
        emit("CJ-START " + nodeid)

    def pytest_runtest_logfinish(self, nodeid, location):
        emit("CJ-DONE %s %s" % (self.by_test.get(nodeid, "error"), nodeid))

    def pytest_runtest_logreport(self, report):
        # A test's outcome is its call's, unless setup or teardown failed or setup skipped it.
        prev = self.by_test.get(report.nodeid)
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        elif report.failed:
            outcome = "failed" if report.when == "call" else "error"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        if prev in ("failed", "error") or (prev == "skipped" and outcome == "passed"):
            return
        self.by_test[report.nodeid] = outcome

    def pytest_collectreport(self, report):
        if report.failed:
            self.by_test[report.nodeid or "<collection>"] = "error"
            emit("CJ-DONE error " + (report.nodeid or "<collection>"))


def main(argv):
    started = time.perf_counter()
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    target, paths = argv[0], argv[1:]
    tests = test_dirs(os.path.join(HERE, *target.split(".")))
    # Every tests/ directory given (also other subpackages' that these tests import from).
    put_tests_on_package_paths(test_dirs(os.path.join(HERE, target.split(".")[0])))
    import pytest
    outcomes = Outcomes()
    # tmp_path's base directory named, as pytest then uses it as given: its default one checks
    # the directory's owner with os.getuid(), which WASI's os module does not have.
    import tempfile
    basetemp = os.path.join(tempfile.mkdtemp(), "basetemp")
    args = ["--basetemp", basetemp, "-q", "-p", "no:cacheprovider", "-p", "no:faulthandler", "--capture=sys", "--tb=short", "--import-mode=importlib",
            "--continue-on-collection-errors", "--rootdir", HERE, "--confcutdir", HERE, "-o", "addopts=", *extra, *(paths or tests)]
    code = pytest.main(args, plugins=[outcomes])
    counts = {k: 0 for k in ("passed", "failed", "error", "skipped", "xfailed", "xpassed")}
    for outcome in outcomes.by_test.values():
        counts[outcome] += 1
    summary = {
        **counts,
        "exit": int(code),
        "failures": sorted(t for t, o in outcomes.by_test.items() if o in ("failed", "error")),
        "skips": sorted(t for t, o in outcomes.by_test.items() if o == "skipped"),
        "seconds": round(time.perf_counter() - started, 1),
    }
    sys.stdout.write("\n" + json.dumps(summary, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
