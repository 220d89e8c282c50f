"""edx-platform's ``send_safe_exec_request_v0``, on the standard library.

Point edx-platform's ``CODE_JAIL_REST_SERVICE_REMOTE_EXEC`` setting at
``codejail_wasm.remote_exec.send_safe_exec_request_v0``.  It behaves like
``xblocks_contrib.problem.capa.safe_exec.remote_exec.send_safe_exec_request_v0``
(formerly ``xmodule.capa.safe_exec.remote_exec``):

* ``data`` is capa's dict: ``code``, ``globals_dict``, ``python_path``,
  ``limit_overrides_context``, ``slug``, ``unsafely``, ``extra_files``;
  ``extra_files`` is popped from it and uploaded as multipart files (each
  (name, bytes) pair as form field ``name`` with filename ``name``, i.e.
  ``python_lib.zip``); the rest (with ``globals_dict`` passed through
  ``json_safe``) is JSON in the form field ``payload``;
* POST to ``{CODE_JAIL_REST_SERVICE_HOST}/api/v0/code-exec`` with
  timeouts (``CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT``,
  ``CODE_JAIL_REST_SERVICE_READ_TIMEOUT``);
* returns ``(emsg, exception)``: ``(None, None)`` on success, else the
  service's emsg and ``SafeExecException(emsg + ". For more information check
  Codejail Service logs.")`` -- returned, not raised;
* updates ``data["globals_dict"]`` in place with the answer's ``globals_dict``;
* raises ``CodejailServiceUnavailable`` (cannot connect / timed out),
  ``CodejailServiceStatusError`` (non-2xx answer),
  ``CodejailServiceParseError`` (answer not JSON), with edx's messages.

Settings come from Django settings when configured, else the environment
(``CODE_JAIL_REST_SERVICE_HOST`` falling back to ``CODEJAIL_WASM_URL``).
If ``CODEJAIL_WASM_TOKEN`` is set it is sent as a bearer token.
"""

import json
import logging

from . import config
from .client import CODE_EXEC_V0_PATH, ServiceClient
from .exceptions import (  # noqa: F401  (re-exported, edx-platform's names)
    CodejailServiceParseError,
    CodejailServiceStatusError,
    CodejailServiceUnavailable,
    CodejailWasmError,
    SafeExecException,
    ServiceResponseError,
)
from .wrapper import json_safe
from .transport import decode_json_object, error_for_response

log = logging.getLogger(__name__)

__all__ = [
    "send_safe_exec_request_v0",
    "get_codejail_rest_service_endpoint",
    "CodejailServiceParseError",
    "CodejailServiceStatusError",
    "CodejailServiceUnavailable",
]


def _(text):
    """Translate with Django when it is in use (edx wraps these messages in gettext)."""
    if config._django_settings() is None:  # pylint: disable=protected-access
        return text
    try:
        from django.utils.translation import gettext  # pylint: disable=import-outside-toplevel

        return gettext(text)
    except Exception:  # pylint: disable=broad-except
        return text


def get_codejail_rest_service_endpoint():
    return f"{config.rest_service_host()}/api/v0/code-exec"


def send_safe_exec_request_v0(data):
    """
    Sends a request to a codejail api service forwarding required code and files.

    Arguments:
        data: Dict containing code and other parameters
            required for jailed code execution.
            It also includes extra_files (python_lib.zip) required by the codejail execution.

    Returns:
        (emsg, exception): both None on success; else the error message and a
        SafeExecException built from it (not raised).
    """
    globals_dict = data["globals_dict"]
    extra_files = data.pop("extra_files")

    codejail_service_endpoint = get_codejail_rest_service_endpoint()

    # json_safe here too (as edx does): bytes and other non-JSON values would
    # otherwise make the payload unencodable.  Lossy but idempotent.
    data_send = {**data}
    data_send["globals_dict"] = json_safe(data_send["globals_dict"])

    payload = json.dumps(data_send)

    client = ServiceClient()
    try:
        response = client.post_v0(
            payload,
            extra_files=extra_files,
            connect_timeout=config.connect_timeout(),
            read_timeout=config.read_timeout(),
            base_url=config.rest_service_host(),
        )
    except CodejailWasmError as err:
        # Refused, timed out, reset, or not HTTP at all: requests reports all of
        # these as RequestException, which edx turns into CodejailServiceUnavailable.
        log.error(
            "Failed to connect to codejail api service: url=%s, params=%s", codejail_service_endpoint, str(payload)
        )
        raise CodejailServiceUnavailable(
            _("Codejail API Service is unavailable. Please try again in a few minutes."),
            url=codejail_service_endpoint,
        ) from err

    if not 200 <= response.status < 300:
        err = _status_error_cause(response)
        raise CodejailServiceStatusError(
            _("Codejail API Service invalid response."),
            url=codejail_service_endpoint, status_code=response.status, body=response.body,
        ) from err

    try:
        response_json = decode_json_object(response)
    except ServiceResponseError as err:
        log.error("Invalid JSON response received from codejail api service: Response_Content=%s", response.body)
        raise CodejailServiceParseError(
            _("Invalid JSON response received from codejail api service."),
            url=codejail_service_endpoint, status_code=response.status, body=response.body,
        ) from err

    emsg = response_json.get("emsg")
    exception = None

    if emsg:
        exception_msg = f"{emsg}. For more information check Codejail Service logs."
        exception = SafeExecException(exception_msg)

    # edx does globals_dict.update(response_json.get("globals_dict")); tolerate
    # an error answer that carries no globals_dict.
    globals_dict.update(response_json.get("globals_dict") or {})

    return emsg, exception


def _status_error_cause(response):
    """An exception describing the HTTP error, used as __cause__ (like requests' HTTPError)."""
    return error_for_response(response, what="codejail service (%s)" % CODE_EXEC_V0_PATH)
