"""Where the client's settings come from.

Each setting is looked up, first hit wins, in:

1. values given to :func:`configure` (``codejail_wasm.configure(...)``);
2. the Django setting of the same name, when Django is already imported (or
   ``DJANGO_SETTINGS_MODULE`` is set) and its settings are configured -- Django
   is never imported otherwise;
3. the environment variable of the same name;
4. the default.

Settings (all optional):

``CODEJAIL_WASM_URL``              base URL of the service (``http://127.0.0.1:8550``)
``CODEJAIL_WASM_TOKEN``            bearer token sent as ``Authorization: Bearer ...``
``CODEJAIL_WASM_CONNECT_TIMEOUT``  seconds; else ``CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT`` (0.5)
``CODEJAIL_WASM_READ_TIMEOUT``     seconds; else ``CODE_JAIL_REST_SERVICE_READ_TIMEOUT`` (3.5)
``CODEJAIL_WASM_TIMEOUT_MARGIN``   seconds added to the service's deadline for a run (REALTIME x 4 + 1): the
                                   read timeout of jail_code/safe_exec is at least deadline+margin (1.0)
``CODEJAIL_WASM_MODE``             ``service`` (default) or ``shadow`` (see codejail_wasm.shadow)
``CODEJAIL_WASM_COMMAND_MAP``      dict: codejail command name -> service command name
"""

import os
import sys
import threading

_MISSING = object()
_overrides = {}
_lock = threading.Lock()

DEFAULT_URL = "http://127.0.0.1:8550"
DEFAULT_CONNECT_TIMEOUT = 0.5
DEFAULT_READ_TIMEOUT = 3.5
DEFAULT_TIMEOUT_MARGIN = 1.0


def configure(url=None, token=None, connect_timeout=None, read_timeout=None, **settings):
    """Set client settings programmatically (highest precedence).

    ``url``, ``token``, ``connect_timeout`` and ``read_timeout`` are shorthands
    for ``CODEJAIL_WASM_URL``, ``CODEJAIL_WASM_TOKEN``,
    ``CODEJAIL_WASM_CONNECT_TIMEOUT`` and ``CODEJAIL_WASM_READ_TIMEOUT``; any
    other setting can be passed by name.  Passing ``None`` leaves a setting
    unchanged; use :func:`reset` to forget all programmatic values.
    """
    values = dict(settings)
    if url is not None:
        values["CODEJAIL_WASM_URL"] = url
    if token is not None:
        values["CODEJAIL_WASM_TOKEN"] = token
    if connect_timeout is not None:
        values["CODEJAIL_WASM_CONNECT_TIMEOUT"] = connect_timeout
    if read_timeout is not None:
        values["CODEJAIL_WASM_READ_TIMEOUT"] = read_timeout
    with _lock:
        for name, value in values.items():
            if value is None:
                continue
            _overrides[name] = value


def reset():
    """Forget every value given to :func:`configure`."""
    with _lock:
        _overrides.clear()


def _django_settings():
    """Django's settings object if Django is in use and configured, else None."""
    if "django" not in sys.modules and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return None
    try:
        from django.conf import settings  # pylint: disable=import-outside-toplevel
    except Exception:  # pylint: disable=broad-except
        return None
    try:
        if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
            return None
    except Exception:  # pylint: disable=broad-except
        return None
    return settings


def get_setting(name, default=None):
    """Look ``name`` up in configure() values, Django settings, environment; else ``default``."""
    with _lock:
        value = _overrides.get(name, _MISSING)
    if value is not _MISSING:
        return value
    settings = _django_settings()
    if settings is not None:
        try:
            value = getattr(settings, name, _MISSING)
        except Exception:  # pylint: disable=broad-except  (ImproperlyConfigured...)
            value = _MISSING
        if value is not _MISSING and value is not None:
            return value
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    return default


def _first_setting(names, default=None):
    for name in names:
        value = get_setting(name, _MISSING)
        if value is not _MISSING:
            return value
    return default


def _as_float(value, name):
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError("setting %s must be a number of seconds, not %r" % (name, value)) from None
    if result <= 0:
        raise ValueError("setting %s must be positive, not %r" % (name, value))
    return result


def service_url():
    """Base URL of the service, without a trailing slash."""
    return str(get_setting("CODEJAIL_WASM_URL", DEFAULT_URL)).rstrip("/")


def service_token():
    """Bearer token, or None."""
    token = get_setting("CODEJAIL_WASM_TOKEN")
    return str(token) if token else None


def connect_timeout():
    value = _first_setting(
        ["CODEJAIL_WASM_CONNECT_TIMEOUT", "CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT"],
        DEFAULT_CONNECT_TIMEOUT,
    )
    return _as_float(value, "CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT")


def read_timeout():
    value = _first_setting(
        ["CODEJAIL_WASM_READ_TIMEOUT", "CODE_JAIL_REST_SERVICE_READ_TIMEOUT"],
        DEFAULT_READ_TIMEOUT,
    )
    return _as_float(value, "CODE_JAIL_REST_SERVICE_READ_TIMEOUT")


def timeout_margin():
    value = get_setting("CODEJAIL_WASM_TIMEOUT_MARGIN", DEFAULT_TIMEOUT_MARGIN)
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT_MARGIN


def mode():
    """``service`` or ``shadow``."""
    value = str(get_setting("CODEJAIL_WASM_MODE", "service") or "service").strip().lower()
    return "shadow" if value == "shadow" else "service"


def rest_service_host():
    """Base URL for the codejail-service compatible API (edx's CODE_JAIL_REST_SERVICE_HOST)."""
    host = get_setting("CODE_JAIL_REST_SERVICE_HOST")
    if host:
        return str(host).rstrip("/")
    return service_url()
