"""Run a library's own unittest test modules and print a JSON summary (last line).

usage: python suite_runner.py [--path=DIR]... MODULE_FILE_OR_NAME...
Each file is imported as a module of its own (its directory first on sys.path, so the tests'
relative data files and helper modules are found); a dotted name is imported from sys.path
(test modules shipped inside a package, e.g. verifiers.tests_draganddrop; --path=DIR puts a
directory first on sys.path for them). A module's own test_suite() (lxml's
convention) decides what runs; otherwise every TestCase in it. Runs the same way inside the
sandbox and natively: the counts are compared, and the names of the tests that did not pass
or were skipped.
"""
import importlib.util
import io
import json
import os
import sys
import time
import unittest


def load(path):
    if path.endswith(".py"):
        path = os.path.abspath(path)
        name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(path)
    if callable(getattr(module, "test_suite", None)):
        return module.test_suite()
    return unittest.defaultTestLoader.loadTestsFromModule(module)


def main(paths):
    started = time.perf_counter()
    suite = unittest.TestSuite()
    load_errors = []
    for path in paths:
        if path.startswith("--path="):
            sys.path.insert(0, os.path.abspath(path[len("--path="):]))
            continue
        try:
            suite.addTests(load(path))
        except Exception as err:  # a module that cannot even be imported counts as one error
            load_errors.append("%s: %s: %s" % (path, type(err).__name__, err))
    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=0).run(suite)
    failed = sorted(t.id() for t, _ in result.failures)
    errors = sorted(t.id() for t, _ in result.errors)
    for test, trace in result.failures + result.errors:
        sys.stderr.write("== %s\n%s\n" % (test.id(), trace.strip().splitlines()[-1]))
    summary = {
        "run": result.testsRun,
        "passed": result.testsRun - len(failed) - len(errors) - len(result.skipped)
                  - len(result.expectedFailures) - len(result.unexpectedSuccesses),
        "failed": len(failed),
        "errors": len(errors) + len(load_errors),
        "skipped": len(result.skipped),
        "xfailed": len(result.expectedFailures),
        "xpassed": len(result.unexpectedSuccesses),
        "failures": failed + errors + load_errors,
        "skips": sorted(t.id() for t, _ in result.skipped),
        "seconds": round(time.perf_counter() - started, 1),
    }
    sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
