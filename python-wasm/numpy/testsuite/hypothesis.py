"""Stand-in for hypothesis inside the sandbox: property-based tests are reported as skipped."""
import sys
import types


class _Anything:
    def __call__(self, *a, **k):
        return _Anything()

    def __getattr__(self, name):
        return _Anything()

    def __or__(self, other):
        return _Anything()


def given(*a, **k):
    def deco(fn):
        fn._cj_skip = "hypothesis is not available in the sandbox"
        return fn
    return deco


def settings(*a, **k):
    return lambda fn: fn


def example(*a, **k):
    return lambda fn: fn


def assume(cond):
    return True


strategies = _Anything()
extra = types.ModuleType("hypothesis.extra")
extra.numpy = _Anything()
sys.modules["hypothesis.strategies"] = strategies
sys.modules["hypothesis.extra"] = extra
sys.modules["hypothesis.extra.numpy"] = extra.numpy
