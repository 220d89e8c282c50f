"""A minimal stand-in for pytest, enough to run numpy's own test modules inside the sandbox
(real pytest is not available there). Supports what numpy's core/lib/linalg/random tests use
most: pytest.mark.parametrize/skipif/skip/xfail (others are no-ops), pytest.param, raises,
warns, skip, xfail, importorskip, simple fixtures. Driven by cj_numpy_tests.py."""
import contextlib
import re
import warnings


class Skipped(Exception):
    pass


class XFailed(Exception):
    pass


class ParameterSet:
    def __init__(self, values, marks=(), id=None):
        marks = tuple(marks) if isinstance(marks, (list, tuple)) else (marks,)
        self.values, self.id = values, id
        self.marks = tuple(m.mark if isinstance(m, _Decorator) else m for m in marks)


def param(*values, marks=(), id=None):
    return ParameterSet(values, marks, id)


class Mark:
    def __init__(self, name, args=(), kwargs=None):
        self.name, self.args, self.kwargs = name, args, kwargs or {}

    def __call__(self, *args, **kwargs):
        if self.args == () and not kwargs and len(args) == 1 and callable(args[0]) and self.name not in ("skipif", "xfail"):
            return _apply(Mark(self.name), args[0])
        if self.args == () and not kwargs and len(args) == 1 and callable(args[0]) and self.name == "xfail":
            return _apply(Mark("xfail"), args[0])
        return _Decorator(Mark(self.name, args, kwargs))


class _Decorator:
    def __init__(self, mark):
        self.mark = mark

    def __call__(self, obj):
        return _apply(self.mark, obj)


def _apply(mark, obj):
    marks = list(getattr(obj, "_cj_marks", []))
    marks.append(mark)
    try:
        obj._cj_marks = marks
    except (AttributeError, TypeError):
        pass
    return obj


class _MarkFactory:
    def __getattr__(self, name):
        return Mark(name)


mark = _MarkFactory()


def skip(reason="", allow_module_level=False):
    raise Skipped(reason)


def xfail(reason=""):
    raise XFailed(reason)


def fail(msg="", pytrace=True):
    raise AssertionError(msg)


def importorskip(name, minversion=None, reason=None):
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise Skipped(f"could not import {name!r}: {e}")


class _Raises:
    def __init__(self, exc, match):
        self.exc, self.match, self.value = exc, match, None

    def __enter__(self):
        return self

    def __exit__(self, tp, value, tb):
        if tp is None:
            raise AssertionError(f"DID NOT RAISE {self.exc}")
        if not issubclass(tp, self.exc):
            return False
        if self.match is not None and not re.search(self.match, str(value)):
            raise AssertionError(f"Regex pattern {self.match!r} does not match {str(value)!r}")
        self.value = value
        self.type = tp
        return True


def raises(exc, *args, match=None, **kwargs):
    ctx = _Raises(exc, match)
    if args:
        with ctx:
            args[0](*args[1:], **kwargs)
        return ctx
    return ctx


def warns(category=Warning, *args, match=None, **kwargs):
    """A context manager, or with a callable (pytest.warns(UserWarning, f, *args)): call it,
    check, and return what it returned."""
    if args and callable(args[0]):
        with _warns(category, match):
            return args[0](*args[1:], **kwargs)
    return _warns(category, match)


@contextlib.contextmanager
def _warns(category, match):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        yield rec
    hits = [w for w in rec if issubclass(w.category, category)
            and (match is None or re.search(match, str(w.message)))]
    if category is not None and not hits:
        raise AssertionError(f"DID NOT WARN {category}")


def deprecated_call(*args, **kwargs):
    return warns((DeprecationWarning, PendingDeprecationWarning))


_FIXTURES = {}


def fixture(*args, **kwargs):
    def register(fn):
        fn._cj_fixture = kwargs.get("params")
        _FIXTURES[kwargs.get("name", fn.__name__)] = fn
        return fn
    if args and callable(args[0]):
        return register(args[0])
    return register


def approx(expected, rel=None, abs=None):
    class Approx:
        def __eq__(self, other):
            if _is_real(expected) and _is_real(other):
                # pytest's rule for plain numbers, without numpy (a pure-Python library's suite
                # must not depend on numpy being importable): within max(rel*|expected|, abs);
                # abs alone means no relative tolerance.
                if other == expected:
                    return True
                if rel is None and abs is not None:
                    tol = abs
                else:
                    tol = max((1e-6 if rel is None else rel) * _abs(expected), 1e-12 if abs is None else abs)
                return _abs(other - expected) <= tol
            import numpy as np
            return bool(np.allclose(other, expected, rtol=rel or 1e-6, atol=abs or 1e-12))

        def __repr__(self):
            return f"approx({expected!r})"
    return Approx()


_abs = abs


def _is_real(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)
