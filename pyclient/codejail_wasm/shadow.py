"""Shadow mode: run the legacy codejail and the service side by side, compare, log.

Like edx-platform's codejail darklaunch (``report_darklaunch_results``): the
caller gets the *primary* arm's result (legacy by default), the other arm runs
on a copy of the inputs, concurrently, and any difference in globals, emsg
(SafeExecException text), stdout, stderr, status or unexpected exception is
logged on the ``codejail_wasm.shadow`` logger (WARNING; matches at DEBUG).
Nothing from the shadow arm can change the caller's result: its exceptions
are caught and logged, and it is waited for at most its own timeouts.

Enable it for ``codejail.safe_exec.safe_exec`` / ``codejail.jail_code.jail_code``
with the setting ``CODEJAIL_WASM_MODE = "shadow"``, or call
:func:`safe_exec` / :func:`jail_code` here directly.

Settings (Django settings / environment / :func:`configure`):

``CODEJAIL_WASM_SHADOW_LEGACY``            dotted path of (or, via configure(), a) safe_exec-like
                                           callable ``f(code, globals_dict, files=, python_path=,
                                           limit_overrides_context=, slug=, extra_files=)`` that
                                           mutates globals_dict (or returns the new globals dict).
                                           Default: :func:`codejail_wasm.localjail.safe_exec`.
``CODEJAIL_WASM_SHADOW_LEGACY_JAIL_CODE``  the same for jail_code; default
                                           :func:`codejail_wasm.localjail.jail_code`.
``CODEJAIL_WASM_SHADOW_LEGACY_PYTHON``     legacy interpreter for the local jail (else the one
``CODEJAIL_WASM_SHADOW_LEGACY_USER``       recorded by codejail.jail_code.configure / CODE_JAIL).
``CODEJAIL_WASM_SHADOW_SAMPLE_RATE``       0..1, fraction of calls also sent to the other arm (1.0).
``CODEJAIL_WASM_SHADOW_PRIMARY``           ``legacy`` (default) or ``service``: whose result is returned.
``CODEJAIL_WASM_SHADOW_NORMALIZERS``       list of {"search": regex, "replace": str} applied to
                                           emsg/stdout/stderr before comparing (falls back to
                                           edx's ``CODEJAIL_DARKLAUNCH_EMSG_NORMALIZERS``);
``CODEJAIL_WASM_SHADOW_NORMALIZERS_COMBINE`` ``append`` (default) or ``replace`` the defaults.
"""

import functools
import importlib
import json
import logging
import random
import re
import threading

from . import client, config, localjail
from .exceptions import SafeExecException
from .limits import DEFAULT_LIMITS
from .wrapper import json_safe

log = logging.getLogger("codejail_wasm.shadow")

_programmatic = {}
_guard = threading.local()
_MAX_REPR = 2000

# edx-platform's darklaunch defaults, plus newline (not only repr-escaped "\\n")
# forms for raw stdout/stderr, plus the sandbox dir names of the service.
DEFAULT_NORMALIZERS = [
    {"search": r"/tmp/codejail-[0-9a-zA-Z_]+", "replace": r"/tmp/codejail-<SANDBOX_DIR_NAME>"},
    {"search": r'File "/tmp/codejail-<SANDBOX_DIR_NAME>/jailed_code"', "replace": r'File "jailed_code"'},
    {"search": r'File "(?:\./)?jailed_code"', "replace": r'File "jailed_code"'},
    {"search": r"python3\.[0-9]+", "replace": r"python3.XX"},
    {"search": r", line [0-9]+, in ", "replace": r", line XXX, in "},
    {"search": r"\\n\s*[\^~]+\s*\\n", "replace": r"\\n"},
    {"search": r"\n[ \t]*[\^~]+[ \t]*\n", "replace": "\n"},
    {"search": r'\\n  File "[^"]+", line [0-9X]+, in <listcomp>\\n', "replace": r"\\n"},
    {"search": r'\n  File "[^"]+", line [0-9X]+, in <listcomp>\n', "replace": "\n"},
]


def configure(legacy_safe_exec=None, legacy_jail_code=None, sample_rate=None, primary=None):
    """Programmatic shadow settings (callables allowed); None leaves a value unchanged."""
    if legacy_safe_exec is not None:
        _programmatic["legacy_safe_exec"] = legacy_safe_exec
    if legacy_jail_code is not None:
        _programmatic["legacy_jail_code"] = legacy_jail_code
    if sample_rate is not None:
        _programmatic["sample_rate"] = sample_rate
    if primary is not None:
        _programmatic["primary"] = primary


def reset():
    """Forget :func:`configure` values."""
    _programmatic.clear()
    del _reentry_warned[:]


def _import_callable(spec):
    if callable(spec):
        return spec
    mod_name, _, attr = str(spec).rpartition(".")
    if not mod_name:
        raise ValueError("not a dotted path to a callable: %r" % (spec,))
    return getattr(importlib.import_module(mod_name), attr)


def legacy_safe_exec_callable(legacy=None):
    """The configured legacy safe_exec, else the local jail bound to ``legacy`` (a
    :class:`LegacyRun`: the interpreter and limits codejail's facade resolved)."""
    spec = _programmatic.get("legacy_safe_exec") or config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY")
    if spec:
        return _import_callable(spec)
    legacy = legacy or LegacyRun()
    return functools.partial(localjail.safe_exec, python_bin=legacy.python_bin, user=legacy.user, limits=legacy.limits)


def legacy_jail_code_callable(legacy=None):
    """The configured legacy jail_code, else the local jail bound to ``legacy``."""
    spec = _programmatic.get("legacy_jail_code") or config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY_JAIL_CODE")
    if spec:
        return _import_callable(spec)
    legacy = legacy or LegacyRun()
    return functools.partial(localjail.jail_code, python_bin=legacy.python_bin, user=legacy.user, limits=legacy.limits)


class LegacyRun:
    """What one shadowed call needs from codejail's registry, passed in by the caller
    (this package never reaches back into ``codejail``): the legacy interpreter and
    user ``configure()`` recorded, the effective limits, and the service's command name."""

    def __init__(self, python_bin=None, user=None, limits=None, service_command="python"):
        self.python_bin = python_bin
        self.user = user
        self.limits = dict(DEFAULT_LIMITS) if limits is None else limits
        self.service_command = service_command


def sample_rate():
    value = _programmatic.get("sample_rate")
    if value is None:
        value = config.get_setting("CODEJAIL_WASM_SHADOW_SAMPLE_RATE", 1.0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        log.error("Bad CODEJAIL_WASM_SHADOW_SAMPLE_RATE %r; using 0", value)
        return 0.0
    return min(1.0, max(0.0, value))


def primary_arm():
    value = _programmatic.get("primary") or config.get_setting("CODEJAIL_WASM_SHADOW_PRIMARY", "legacy")
    return "service" if str(value).strip().lower() == "service" else "legacy"


_reentry_warned = []


def _warn_reentry():
    if not _reentry_warned:
        _reentry_warned.append(True)
        log.warning(
            "codejail_wasm shadow: the legacy callable calls back into codejail (this package); "
            "that call goes to the service.  Point CODEJAIL_WASM_SHADOW_LEGACY at the real legacy jail."
        )


def _sampled():
    rate = sample_rate()
    return rate >= 1.0 or (rate > 0.0 and random.random() < rate)


# -- normalisation ----------------------------------------------------------

def _compile(pairs):
    compiled = []
    for pair in pairs:
        search = re.compile(str(pair["search"]))
        replace = str(pair["replace"])
        re.sub(search, replace, "example")
        compiled.append((search, replace))
    return compiled


_DEFAULT_COMPILED = _compile(DEFAULT_NORMALIZERS)


def normalizers():
    custom = config.get_setting("CODEJAIL_WASM_SHADOW_NORMALIZERS")
    if custom is None:
        custom = config.get_setting("CODEJAIL_DARKLAUNCH_EMSG_NORMALIZERS")
    if isinstance(custom, str):
        try:
            custom = json.loads(custom)
        except ValueError:
            log.error("CODEJAIL_WASM_SHADOW_NORMALIZERS is not JSON; ignored")
            custom = None
    if not custom:
        return _DEFAULT_COMPILED
    try:
        compiled = _compile(custom)
    except Exception:  # pylint: disable=broad-except
        log.exception("Could not load custom shadow normalizers; using the defaults")
        return _DEFAULT_COMPILED
    combine = config.get_setting("CODEJAIL_WASM_SHADOW_NORMALIZERS_COMBINE") or \
        config.get_setting("CODEJAIL_DARKLAUNCH_EMSG_NORMALIZERS_COMBINE", "append")
    if combine == "replace":
        return compiled
    return _DEFAULT_COMPILED + compiled


def normalize(text):
    """Remove uninteresting sources of discrepancy (sandbox dir names, line numbers...)."""
    if text is None:
        return None
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    for search, replace in normalizers():
        text = search.sub(replace, text)
    return text


# -- arms -------------------------------------------------------------------

class Outcome:
    """What one arm did: kind is 'ok', 'safe_error' or 'unexpected_error'."""

    def __init__(self, kind, value=None, emsg=None, exc=None):
        self.kind = kind
        self.value = value   # globals (safe_exec) or JailResult (jail_code)
        self.emsg = emsg
        self.exc = exc


def _is_safe_exec_exception(exc):
    # The real codejail's SafeExecException is another class with the same name.
    return isinstance(exc, SafeExecException) or type(exc).__name__ == "SafeExecException"


def _run_safe_exec_arm(fn, code, globals_dict, kwargs):
    try:
        returned = fn(code, globals_dict, **kwargs)
    except BaseException as exc:  # pylint: disable=broad-except
        if _is_safe_exec_exception(exc):
            return Outcome("safe_error", emsg=str(exc), exc=exc)
        return Outcome("unexpected_error", exc=exc)
    if isinstance(returned, dict) and returned is not globals_dict:
        globals_dict.update(returned)  # new-style callables return the globals
    return Outcome("ok", value=globals_dict)


def _service_safe_exec_arm(legacy):
    def run(code, globals_dict, **kwargs):
        globals_dict.update(client.safe_exec(code, globals_dict, limits=legacy.limits, **kwargs))
    return run


def _service_jail_code_arm(legacy):
    def run(_command, **kwargs):
        return client.jail_code(legacy.service_command, limits=legacy.limits, **kwargs)
    return run


class _Background:
    def __init__(self, target):
        self.outcome = None
        self._target = target
        self._thread = threading.Thread(target=self._run, name="codejail-wasm-shadow", daemon=True)

    def _run(self):
        _guard.active = True
        self.outcome = self._target()

    def start(self):
        self._thread.start()
        return self

    def join(self, timeout):
        self._thread.join(timeout)
        if self._thread.is_alive():
            return Outcome("unexpected_error", exc=TimeoutError("shadow arm still running after %.1fs" % timeout))
        return self.outcome


def _shadow_join_timeout(limits):
    service = client.ServiceClient()
    try:
        return service.connect_timeout + service.read_timeout_for(limits) + 2.0
    except Exception:  # pylint: disable=broad-except
        return 10.0


def _short(value):
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "...<%d chars>" % len(text)


def _report(kind, slug, context, legacy, service, compare_fields):
    """Log the comparison of two Outcomes; return the list of differing fields."""
    if legacy.kind == "unexpected_error" or service.kind == "unexpected_error":
        if legacy.kind == "unexpected_error" and service.kind == "unexpected_error":
            diffs = ["exception"] if repr(legacy.exc) != repr(service.exc) else []
        else:
            diffs = ["exception"]
        log.warning(
            "codejail_wasm shadow %s had unexpected exception for course=%r, slug=%r:\n"
            "Legacy exception: %r\nService exception: %r",
            kind, context, slug, legacy.exc, service.exc,
        )
        return diffs or ["exception"]
    diffs = compare_fields(legacy, service)
    if diffs:
        log.warning(
            "codejail_wasm shadow %s mismatch for course=%r, slug=%r: differing=%s\n"
            "Legacy: status=%s %s\nService: status=%s %s",
            kind, context, slug, ",".join(diffs),
            legacy.kind, _describe(legacy), service.kind, _describe(service),
        )
    else:
        log.debug("codejail_wasm shadow %s match for course=%r, slug=%r", kind, context, slug)
    return diffs


def _describe(outcome):
    value = outcome.value
    if hasattr(value, "status") and hasattr(value, "stdout"):
        return "exit=%r stdout=%s stderr=%s" % (value.status, _short(value.stdout), _short(value.stderr))
    return "globals=%s emsg=%s" % (_short(json_safe(value) if isinstance(value, dict) else value),
                                   _short(outcome.emsg))


def _compare_safe_exec(legacy, service):
    diffs = []
    if legacy.kind != service.kind:
        diffs.append("status")
    if normalize(legacy.emsg) != normalize(service.emsg):
        diffs.append("emsg")
    if legacy.kind == "ok" and service.kind == "ok":
        if json_safe(legacy.value) != json_safe(service.value):
            diffs.append("globals")
    return diffs


def _compare_jail_code(legacy, service):
    diffs = []
    a, b = legacy.value, service.value
    if a.status != b.status:
        diffs.append("status")
    if normalize(a.stdout) != normalize(b.stdout):
        diffs.append("stdout")
    if normalize(a.stderr) != normalize(b.stderr):
        diffs.append("stderr")
    return diffs


def _run_guarded(run):
    """Run one arm with the re-entry guard set (a legacy callable may lead back here)."""
    _guard.active = True
    try:
        return run()
    finally:
        _guard.active = False


def _shadowed(operation, slug, limit_overrides_context, limits, primary, run_primary, run_shadow, compare):
    """Run the primary arm now and the other one in the background, log any difference, and
    return the primary arm's Outcome."""
    background = _Background(run_shadow).start()
    main = _run_guarded(run_primary)
    other = background.join(_shadow_join_timeout(limits))
    try:
        legacy, service = (main, other) if primary == "legacy" else (other, main)
        _report(operation, slug, limit_overrides_context, legacy, service, compare)
    except Exception:  # pylint: disable=broad-except
        log.exception("Error while reporting codejail_wasm shadow results")
    return main


def _finish(outcome, globals_dict=None):
    if outcome.kind == "ok":
        if globals_dict is not None and outcome.value is not globals_dict:
            globals_dict.update(outcome.value)
        return outcome.value
    raise outcome.exc


def safe_exec(code, globals_dict, files=None, python_path=None, limit_overrides_context=None,
              slug=None, extra_files=None, legacy=None):
    """codejail-style safe_exec (mutates globals_dict, returns None) with a shadow comparison.

    ``legacy`` (a :class:`LegacyRun`) carries the limits and the legacy interpreter.
    Returns/raises exactly what the primary arm does.
    """
    kwargs = dict(files=files, python_path=python_path, limit_overrides_context=limit_overrides_context,
                  slug=slug, extra_files=extra_files)
    legacy = legacy or LegacyRun()
    legacy_fn = legacy_safe_exec_callable(legacy)
    _service_safe_exec = _service_safe_exec_arm(legacy)
    primary = primary_arm()
    if getattr(_guard, "active", False):
        # Re-entered: the legacy callable leads back to codejail.safe_exec (i.e. to
        # this package).  Go straight to the service rather than recurse.
        _warn_reentry()
        _finish(_run_safe_exec_arm(_service_safe_exec, code, globals_dict, kwargs))
        return None

    if primary == "service":
        primary_fn, shadow_fn = _service_safe_exec, legacy_fn
    else:
        primary_fn, shadow_fn = legacy_fn, _service_safe_exec

    if not _sampled():
        _finish(_run_guarded(lambda: _run_safe_exec_arm(primary_fn, code, globals_dict, kwargs)))
        return None

    shadow_globals = dict(json_safe(globals_dict))  # what either arm would see of the globals
    main = _shadowed(
        "safe_exec", slug, limit_overrides_context, legacy.limits, primary,
        lambda: _run_safe_exec_arm(primary_fn, code, globals_dict, kwargs),
        lambda: _run_safe_exec_arm(shadow_fn, code, shadow_globals, kwargs),
        _compare_safe_exec,
    )
    _finish(main)
    return None


def _run_jail_code_arm(fn, command, kwargs):
    try:
        return Outcome("ok", value=fn(command, **kwargs))
    except BaseException as exc:  # pylint: disable=broad-except
        return Outcome("unexpected_error", exc=exc)


def jail_code(command, code=None, files=None, extra_files=None, argv=None, stdin=None,
              limit_overrides_context=None, slug=None, legacy=None):
    """codejail-style jail_code with a shadow comparison (status, stdout, stderr)."""
    kwargs = dict(code=code, files=files, extra_files=extra_files, argv=argv, stdin=stdin,
                  limit_overrides_context=limit_overrides_context, slug=slug)
    legacy = legacy or LegacyRun()
    legacy_fn = legacy_jail_code_callable(legacy)
    _service_jail_code = _service_jail_code_arm(legacy)
    primary = primary_arm()
    if primary == "service":
        primary_fn, shadow_fn = _service_jail_code, legacy_fn
    else:
        primary_fn, shadow_fn = legacy_fn, _service_jail_code

    if getattr(_guard, "active", False):
        _warn_reentry()
        return _finish(_run_jail_code_arm(_service_jail_code, command, kwargs))
    if not _sampled():
        return _finish(_run_guarded(lambda: _run_jail_code_arm(primary_fn, command, kwargs)))

    return _finish(_shadowed(
        "jail_code", slug, limit_overrides_context, legacy.limits, primary,
        lambda: _run_jail_code_arm(primary_fn, command, kwargs),
        lambda: _run_jail_code_arm(shadow_fn, command, kwargs),
        _compare_jail_code,
    ))
