"""Stand-in for hypothesis in both runs of scipy's tests (sandbox and native): hypothesis is not
in the sandbox, so property-based tests (@given) are reported as skipped on both sides, and the
rest of a module that uses hypothesis still runs. scipy's conftest.py configures hypothesis
profiles when it imports; those calls do nothing here."""
import sys
import types


class _Anything:
    """Any strategy expression: attribute, call, operator."""

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()

    def __or__(self, other):
        return _Anything()

    def __iter__(self):
        return iter(())


def given(*args, **kwargs):
    def decorate(fn):
        # The test keeps its other parameters (parametrize, fixtures); those the strategies
        # would fill (by name, or the last ones for positional strategies) are gone, as with
        # hypothesis, so that pytest does not look for fixtures of those names.
        import inspect
        params = list(inspect.signature(fn).parameters.values())
        params = [p for p in params if p.name not in kwargs]
        if args:
            params = params[:-len(args)]

        def skipped(*a, **k):
            import pytest
            pytest.skip("hypothesis is not available (property-based test)")
        skipped.__signature__ = inspect.Signature(params)
        skipped.__name__ = fn.__name__
        skipped.__qualname__ = fn.__qualname__
        skipped.__module__ = fn.__module__
        skipped.pytestmark = getattr(fn, "pytestmark", [])
        return skipped
    return decorate


class settings:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, fn):
        return fn

    @staticmethod
    def register_profile(*args, **kwargs):
        pass

    @staticmethod
    def load_profile(*args, **kwargs):
        pass


def example(*args, **kwargs):
    return lambda fn: fn


def reproduce_failure(*args, **kwargs):
    return lambda fn: fn


def assume(condition):
    return True


HealthCheck = ()
configuration = _Anything()
strategies = _Anything()
extra = types.ModuleType("hypothesis.extra")
extra.numpy = _Anything()
sys.modules["hypothesis.strategies"] = strategies
sys.modules["hypothesis.extra"] = extra
sys.modules["hypothesis.extra.numpy"] = extra.numpy
