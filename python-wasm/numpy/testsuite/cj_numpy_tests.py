"""Run numpy test modules with the pytest stand-in (pytest.py next to this file).

usage: python cj_numpy_tests.py [--list-skips] [--as-package] test_numeric.py [more test files...]
Collects module-level test_* functions and Test* classes' test_* methods, expands
@pytest.mark.parametrize (stacked = cartesian product), honours skipif/skip/xfail marks,
setup_method/teardown_method/setup_class, and fixtures defined with @pytest.fixture in the
module or class (plus tmp_path). Prints one line per non-passing test and, last, a JSON summary
(with --list-skips, it names the skipped tests too: "skips"). With --as-package, a test file in a
directory with an __init__.py is imported as a module of that package (Pillow's Tests/: its
relative imports, `from .helper import ...`), as pytest's rootdir-based import does.
"""
import importlib.util
import inspect
import itertools
import json
import os
import sys
import tempfile
import time
import traceback
import warnings

import pytest

RESULTS = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0, "error": 0}
FAILURES = []
SKIPS = []


def skipped(name):
    RESULTS["skipped"] += 1
    SKIPS.append(name)


def marks_of(obj):
    return list(getattr(obj, "_cj_marks", []))


def expand(func, cls):
    """[(id, kwargs, marks)] for every parametrization of func."""
    groups = []
    for m in reversed(marks_of(func)):
        if m.name != "parametrize":
            continue
        names, values = m.args[0], m.args[1]
        ids = m.kwargs.get("ids")
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        cases = []
        for i, v in enumerate(values):
            pmarks = ()
            if isinstance(v, pytest.ParameterSet):
                pmarks, v = v.marks, v.values
            elif len(names) == 1:
                v = (v,)
            label = ids[i] if isinstance(ids, (list, tuple)) and i < len(ids) else str(i)
            cases.append((label, dict(zip(names, v)), list(pmarks)))
        groups.append(cases)
    # fixtures declared with params=[...] parametrize the test too (request.param)
    target = func
    for name in inspect.signature(target).parameters:
        fx = pytest._FIXTURES.get(name)
        if fx is not None and fx._cj_fixture:
            groups.append([(str(i), {"__param__" + name: p}, []) for i, p in enumerate(fx._cj_fixture)])
    out = []
    for combo in itertools.product(*groups) if groups else [()]:
        kw, ms, label = {}, [], []
        for lab, k, pm in combo:
            kw.update(k)
            ms += pm
            label.append(lab)
        out.append(("-".join(label), kw, ms))
    return out


def condition_true(mark, module_globals):
    if not mark.args:
        return True
    cond = mark.args[0]
    if isinstance(cond, str):
        cond = eval(cond, module_globals)
    return bool(cond)


def resolve_fixtures(func, kwargs, holder, finalizers):
    sig = inspect.signature(func)
    for name in sig.parameters:
        if name in ("self", "request") or name in kwargs:
            continue
        if sig.parameters[name].default is not inspect.Parameter.empty:
            continue
        # in the temporary directory, as pytest's: $TMPDIR (under codejail, the jail's tmp/; /tmp
        # is not writable there), else /tmp
        if name == "tmp_path":
            import pathlib
            d = tempfile.mkdtemp()
            kwargs[name] = pathlib.Path(d)
            continue
        if name == "tmpdir":
            kwargs[name] = tempfile.mkdtemp()
            continue
        fx = getattr(holder, name, None) if holder is not None else None
        fx = fx if getattr(fx, "_cj_fixture", 0) != 0 or name in pytest._FIXTURES else None
        fn = pytest._FIXTURES.get(name)
        if fn is None:
            raise LookupError(f"fixture {name!r} not available")
        if holder is not None and hasattr(holder, fn.__name__) and "self" in inspect.signature(fn).parameters:
            fn = getattr(holder, fn.__name__)
        sub = {}
        if "request" in inspect.signature(fn).parameters:
            class Request:
                pass
            sub["request"] = Request()
            sub["request"].param = kwargs.pop("__param__" + name, None)
        resolve_fixtures(fn, sub, holder, finalizers)
        value = fn(**sub)
        if inspect.isgenerator(value):
            gen = value
            value = next(gen)
            finalizers.append(lambda g=gen: next(g, None))
        kwargs[name] = value


def run_one(name, call, marks, module_globals):
    for m in marks:
        if m.name == "skip" or (m.name == "skipif" and condition_true(m, module_globals)):
            skipped(name)
            return
    xfail = next((m for m in marks if m.name == "xfail" and condition_true(m, module_globals)), None)
    try:
        with warnings.catch_warnings():
            call()
    except pytest.Skipped:
        skipped(name)
        return
    except pytest.XFailed:
        RESULTS["xfailed"] += 1
        return
    except LookupError as e:
        if "fixture" in str(e):
            RESULTS["error"] += 1
            FAILURES.append((name, "ERROR " + str(e)))
            return
        exc = e
    except BaseException as e:  # noqa: B902 - SystemExit/KeyboardInterrupt from tests count as failures
        # sympy's own test decorators (sympy.testing.pytest without pytest): @XFAIL raises XFail
        # for an expected failure (XPass, a failure, if it passes); skip() raises its Skipped.
        kind = type(e).__module__, type(e).__name__
        if kind in (("sympy.testing.pytest", "XFail"),):
            RESULTS["xfailed"] += 1
            return
        if kind == ("sympy.testing.pytest", "Skipped"):
            skipped(name)
            return
        exc = e
    else:
        if xfail is not None and xfail.kwargs.get("strict"):
            RESULTS["failed"] += 1
            FAILURES.append((name, "XPASS(strict)"))
        elif xfail is not None:
            RESULTS["xpassed"] += 1
        else:
            RESULTS["passed"] += 1
        return
    if xfail is not None:
        RESULTS["xfailed"] += 1
        return
    RESULTS["failed"] += 1
    FAILURES.append((name, "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]))


def run_function(qual, func, holder, module_globals, cls_marks=()):
    if getattr(func, "_cj_skip", None):
        for label, _, _ in expand(func, holder):
            skipped(qual + (f"[{label}]" if label else ""))
        return
    for label, kwargs, pmarks in expand(func, holder):
        name = qual + (f"[{label}]" if label else "")
        marks = list(cls_marks) + marks_of(func) + pmarks

        def call(kwargs=dict(kwargs)):
            finalizers = []
            inst = holder() if holder is not None else None
            try:
                if inst is not None:
                    for setup in ("setup_method", "setup"):
                        if hasattr(inst, setup):
                            m = getattr(inst, setup)
                            m(getattr(inst, func.__name__)) if setup == "setup_method" and len(inspect.signature(m).parameters) else m()
                            break
                target = getattr(inst, func.__name__) if inst is not None else func
                resolve_fixtures(target, kwargs, inst, finalizers)
                target(**{k: v for k, v in kwargs.items() if not k.startswith("__param__")})
            finally:
                if inst is not None:
                    for teardown in ("teardown_method", "teardown"):
                        if hasattr(inst, teardown):
                            m = getattr(inst, teardown)
                            m(getattr(inst, func.__name__)) if teardown == "teardown_method" and len(inspect.signature(m).parameters) else m()
                            break
                for f in reversed(finalizers):
                    f()
        run_one(name, call, marks, module_globals)


def run_file(path, as_package=False):
    modname = os.path.splitext(os.path.basename(path))[0]
    directory = os.path.dirname(os.path.abspath(path))
    if as_package and os.path.exists(os.path.join(directory, "__init__.py")):
        if os.path.dirname(directory) not in sys.path:
            sys.path.insert(0, os.path.dirname(directory))
        importlib.import_module(os.path.basename(directory))
        modname = os.path.basename(directory) + "." + modname
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    g = vars(mod)
    for name, obj in list(g.items()):
        if name.startswith("test") and inspect.isfunction(obj) and obj.__module__ == modname:
            run_function(f"{modname}::{name}", obj, None, g)
        elif name.startswith("Test") and inspect.isclass(obj) and obj.__module__ == modname:
            methods = [m for m in sorted(dir(obj)) if m.startswith("test") and callable(getattr(obj, m))]
            try:
                if any(m.name == "skip" for m in marks_of(obj)):
                    raise pytest.Skipped("class marked skip")
                if hasattr(obj, "setup_class"):
                    obj.setup_class()
            except pytest.Skipped:
                # as pytest: a skipped class (mark, or importorskip in setup_class) skips each test
                for mname in methods:
                    for label, _, _ in expand(getattr(obj, mname), obj):
                        skipped(f"{modname}::{name}::{mname}" + (f"[{label}]" if label else ""))
                continue
            for mname in methods:
                run_function(f"{modname}::{name}::{mname}", getattr(obj, mname), obj, g, marks_of(obj))
            if hasattr(obj, "teardown_class"):
                obj.teardown_class()


def main():
    t0 = time.perf_counter()
    args = sys.argv[1:]
    list_skips = "--list-skips" in args
    as_package = "--as-package" in args
    for path in [a for a in args if a not in ("--list-skips", "--as-package")]:
        try:
            run_file(path, as_package)
        except Exception:
            RESULTS["error"] += 1
            FAILURES.append((path, "collection error: " + traceback.format_exc()[-600:]))
    for name, msg in FAILURES:
        print(f"FAILED {name}: {msg}")
    print(json.dumps({**RESULTS, "seconds": round(time.perf_counter() - t0, 1),
                      "failures": [n for n, _ in FAILURES], **({"skips": SKIPS} if list_skips else {})}))


if __name__ == "__main__":
    main()
