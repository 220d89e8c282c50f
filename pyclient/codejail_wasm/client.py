"""Client for the codejail-wasm service's native JSON API.

``POST /api/v1/jail_code``, ``POST /api/v1/safe_exec``, ``POST /api/v0/code-exec``
and ``GET /health/``.  Settings (URL, token, timeouts) are read at call time
from :mod:`codejail_wasm.config` unless given to :class:`ServiceClient`.

Errors: transport/protocol problems raise :mod:`codejail_wasm.exceptions`
``CodejailWasmError`` subclasses; code that failed inside the sandbox raises
``SafeExecException`` (safe_exec only; jail_code reports it in ``status``).

This module never imports the ``codejail`` package: codejail's state (configured
commands, limits) stays there, and its functions pass what a request needs.
"""

import base64
import binascii
import json
import numbers

from . import config
from .exceptions import SafeExecException, ServiceResponseError
from .files import collect_files, extra_file_entries, b64
from .limits import LIMIT_NAMES
from .results import JailResult
from .transport import (
    auth_headers,
    decode_json_object,
    encode_multipart,
    error_for_response,
    fspath_str,
    join_url,
    request,
)
from .wrapper import json_safe, python_path_basename

# The service ends a run at the latest at REALTIME x this + the grace, in wall-clock seconds
# (its watchdog; src/jail/jailCode.ts DEFAULT_RUN_SETTINGS): the deterministic limits (fuel,
# program time) normally decide long before.
SERVICE_WATCHDOG_FACTOR = 4
SERVICE_WATCHDOG_GRACE = 1.0

JAIL_CODE_PATH = "/api/v1/jail_code"
SAFE_EXEC_PATH = "/api/v1/safe_exec"
CODE_EXEC_V0_PATH = "/api/v0/code-exec"
HEALTH_PATH = "/health/"


def _limits_payload(limits):
    """The ``limits`` object: codejail's six names (others passed through as given)."""
    payload = {}
    for name, value in dict(limits).items():
        payload[str(name)] = value
    for name in LIMIT_NAMES:
        payload.setdefault(name, None if name == "PROXY" else 0)
    return payload


def _b64decode(value, field, resp_url):
    if value is None:
        return b""
    if not isinstance(value, str):
        raise ServiceResponseError("field %r of the service answer is not a base64 string" % field, url=resp_url)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as err:
        raise ServiceResponseError("field %r of the service answer is not valid base64" % field, url=resp_url) from err


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class ServiceClient:
    """One configured connection target.  Arguments left None are read from settings per call."""

    def __init__(self, url=None, token=None, connect_timeout=None, read_timeout=None):
        self._url = url
        self._token = token
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout

    # -- settings ---------------------------------------------------------
    @property
    def url(self):
        return (self._url or config.service_url()).rstrip("/")

    @property
    def token(self):
        return self._token if self._token is not None else config.service_token()

    @property
    def connect_timeout(self):
        return float(self._connect_timeout) if self._connect_timeout is not None else config.connect_timeout()

    @property
    def read_timeout(self):
        return float(self._read_timeout) if self._read_timeout is not None else config.read_timeout()

    def read_timeout_for(self, limits):
        """The read timeout for a run under ``limits``: at least the time within which the
        service answers such a run (its wall-clock watchdog, REALTIME x 4 + 1 s by default),
        plus the margin, so the client never gives up on a run the service is still timing."""
        timeout = self.read_timeout
        realtime = (limits or {}).get("REALTIME")
        if isinstance(realtime, (int, float)) and not isinstance(realtime, bool) and realtime > 0:
            watchdog = float(realtime) * SERVICE_WATCHDOG_FACTOR + SERVICE_WATCHDOG_GRACE
            timeout = max(timeout, watchdog + config.timeout_margin())
        return timeout

    # -- plumbing ---------------------------------------------------------
    def _post_json(self, path, payload, read_timeout=None):
        url = join_url(self.url, path)
        body = json.dumps(payload).encode("utf-8")  # allow_nan: NaN/Infinity travel as in Python
        headers = {"Content-Type": "application/json"}
        headers.update(auth_headers(self.token))
        resp = request(
            "POST", url, body=body, headers=headers,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout if read_timeout is None else read_timeout,
        )
        if resp.status != 200:
            raise error_for_response(resp)
        return decode_json_object(resp), resp

    # -- API --------------------------------------------------------------
    def jail_code(self, command="python", code=None, files=None, extra_files=None, argv=None,
                  stdin=None, limit_overrides_context=None, slug=None, limits=None):
        """Run code in the service, as ``codejail.jail_code.jail_code`` (no configure() check).

        ``files`` are host paths (sent by content; symlinks as symlinks), ``extra_files``
        (name, bytes) pairs, ``argv`` the arguments after the interpreter's ``-E -B`` (and
        after ``jailed_code`` when ``code`` is given), ``stdin`` str or bytes.  ``limits``
        are the caller's effective codejail limits (the service's defaults when None).
        Returns a :class:`~codejail_wasm.results.JailResult`.
        """
        payload = jail_code_payload(command, code, files, extra_files, argv, stdin,
                                    limit_overrides_context, slug, limits)
        return self.send(JAIL_CODE_PATH, payload, read_timeout=self.read_timeout_for(limits))

    def run_safe_exec(self, code, globals_dict=None, files=None, python_path=None,
                      limit_overrides_context=None, slug=None, extra_files=None, limits=None):
        """Run codejail's safe_exec program in the service; return its JailResult.

        ``status``/``stdout``/``stderr`` are the jailed program's; on success
        ``globals_dict`` holds the globals it printed (``stdout`` is then their JSON text).
        """
        payload = safe_exec_payload(code, globals_dict, files, python_path, limit_overrides_context,
                                    slug, extra_files, limits)
        return self.send(SAFE_EXEC_PATH, payload, read_timeout=self.read_timeout_for(limits))

    def safe_exec(self, code, globals_dict=None, files=None, python_path=None,
                  limit_overrides_context=None, slug=None, extra_files=None, limits=None):
        """Execute ``code`` with ``globals_dict`` in the service; return the new globals.

        Does not modify ``globals_dict``.  Fails as codejail's safe_exec does: a non-zero
        status raises ``SafeExecException`` with codejail's text (carrying the run's
        ``status``, ``stdout``, ``stderr``, ``outcome``... as attributes), and a program
        that exited 0 without printing its globals makes ``json.loads`` raise
        ``json.JSONDecodeError``.
        """
        res = self.run_safe_exec(code, globals_dict, files, python_path, limit_overrides_context,
                                 slug, extra_files, limits)
        if res.status != 0:
            exc = SafeExecException(safe_exec_exception_text(res))
            for name in ("status", "stdout", "stderr", "outcome", "limit_hit", "fuel_used", "wall_ms", "response"):
                setattr(exc, name, getattr(res, name))
            raise exc
        if res.globals_dict is not None:
            return res.globals_dict
        return json.loads(res.stdout.decode("utf-8"))

    def send(self, path, payload, read_timeout=None):
        """POST a native-API payload (see :func:`jail_code_payload`, :func:`safe_exec_payload`)
        and read the answer into a :class:`~codejail_wasm.results.JailResult`."""
        data, resp = self._post_json(path, payload, read_timeout=read_timeout)
        result = JailResult()
        result.response = data
        result.outcome = data.get("outcome")
        result.limit_hit = data.get("limit_hit")
        result.fuel_used = data.get("fuel_used")
        result.wall_ms = data.get("wall_ms")
        result.stdout_truncated = bool(data.get("stdout_truncated", False))
        result.stderr_truncated = bool(data.get("stderr_truncated", False))
        result.effective_limits = data.get("effective_limits")
        new_globals = data.get("globals_dict")
        if path == SAFE_EXEC_PATH and "emsg" not in data:
            if not isinstance(new_globals, dict):
                raise ServiceResponseError(
                    "the service's safe_exec answer has neither 'emsg' nor a 'globals_dict' object",
                    url=resp.url, status_code=resp.status, body=resp.body,
                )
            result.status = 0
            result.globals_dict = new_globals
            result.stdout = json.dumps(new_globals).encode("utf-8")
            result.stderr = b""
            return result
        status = data.get("status")
        if not _is_int(status):
            raise ServiceResponseError(
                "the service's answer has no integer 'status' (got %r)" % (status,),
                url=resp.url, status_code=resp.status, body=resp.body,
            )
        result.status = int(status)
        result.stdout = _b64decode(data.get("stdout_b64"), "stdout_b64", resp.url)
        result.stderr = _b64decode(data.get("stderr_b64"), "stderr_b64", resp.url)
        return result

    def code_exec_v0(self, payload, extra_files=None, connect_timeout=None, read_timeout=None, base_url=None):
        """POST the codejail-service v0 form (``payload`` JSON + files); return the decoded answer.

        Raises ``CodejailWasmError`` subclasses for HTTP errors (callers that
        need edx-platform's exception types use :mod:`codejail_wasm.remote_exec`).
        """
        resp = self.post_v0(payload, extra_files, connect_timeout, read_timeout, base_url)
        if resp.status != 200:
            raise error_for_response(resp)
        return decode_json_object(resp)

    def post_v0(self, payload, extra_files=None, connect_timeout=None, read_timeout=None, base_url=None):
        """Send the v0 form and return the raw :class:`~codejail_wasm.transport.Response`."""
        payload_text = payload if isinstance(payload, str) else json.dumps(payload)
        uploads = []
        for name, content in extra_files or ():
            if isinstance(content, str):
                content = content.encode("utf-8")
            elif hasattr(content, "read"):
                content = content.read()
            uploads.append((str(name), _basename(str(name)), bytes(content)))
        content_type, body = encode_multipart([("payload", payload_text)], uploads)
        headers = {"Content-Type": content_type}
        headers.update(auth_headers(self.token))
        url = join_url((base_url or self.url).rstrip("/"), CODE_EXEC_V0_PATH)
        return request(
            "POST", url, body=body, headers=headers,
            connect_timeout=self.connect_timeout if connect_timeout is None else float(connect_timeout),
            read_timeout=self.read_timeout if read_timeout is None else float(read_timeout),
        )

    def health(self):
        """GET /health/: the decoded answer (``{"status": "OK", ...}``); 503 raises ServiceOverloaded."""
        url = join_url(self.url, HEALTH_PATH)
        resp = request(
            "GET", url, headers=auth_headers(self.token),
            connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
        )
        if resp.status != 200:
            raise error_for_response(resp)
        return decode_json_object(resp)


def jail_code_payload(command="python", code=None, files=None, extra_files=None, argv=None, stdin=None,
                      limit_overrides_context=None, slug=None, limits=None):
    """The JSON body of ``POST /api/v1/jail_code`` (host files are read here)."""
    if stdin is not None and not isinstance(stdin, (bytes, bytearray)):
        stdin = str(stdin).encode("utf-8")
    payload = {
        "command": command,
        "code": code if code else None,
        "files": collect_files(files),
        "extra_files": extra_file_entries(extra_files),
        "argv": [fspath_str(arg) for arg in (argv or [])],
        "stdin_b64": b64(stdin) if stdin else None,
        "limit_overrides_context": limit_overrides_context,
        "slug": slug,
    }
    if limits is not None:
        payload["limits"] = _limits_payload(limits)
    return payload


def safe_exec_payload(code, globals_dict=None, files=None, python_path=None, limit_overrides_context=None,
                      slug=None, extra_files=None, limits=None):
    """The JSON body of ``POST /api/v1/safe_exec``.

    ``python_path`` is sent as given (the service appends each basename to
    ``sys.path``); each entry whose basename is not an ``extra_files`` name is read
    from the host and sent with ``files``, as codejail copies it.
    """
    files = list(files or ())
    extra_files = list(extra_files or ())
    python_path = [fspath_str(p) for p in (python_path or ())]
    extra_names = {name for name, _content in extra_files}
    for pydir in python_path:
        if python_path_basename(pydir) not in extra_names:
            files.append(pydir)
    payload = {
        "code": code,
        "globals_dict": json_safe(globals_dict or {}),
        "python_path": python_path,
        "files": collect_files(files),
        "extra_files": extra_file_entries(extra_files),
        "limit_overrides_context": limit_overrides_context,
        "slug": slug,
    }
    if limits is not None:
        payload["limits"] = _limits_payload(limits)
    return payload


def safe_exec_exception_text(res):
    """codejail's SafeExecException message for a failed run."""
    return (
        "Couldn't execute jailed code: stdout: {res.stdout!r}, "
        "stderr: {res.stderr!r} with status code: {res.status}"
    ).format(res=res)


def _basename(path):
    path = path.rstrip("/\\") or path
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def default_client():
    """A client that reads every setting at call time."""
    return ServiceClient()


def jail_code(command="python", code=None, files=None, extra_files=None, argv=None,
              stdin=None, limit_overrides_context=None, slug=None, limits=None):
    """:meth:`ServiceClient.jail_code` with settings-configured client."""
    return default_client().jail_code(
        command, code=code, files=files, extra_files=extra_files, argv=argv, stdin=stdin,
        limit_overrides_context=limit_overrides_context, slug=slug, limits=limits,
    )


def safe_exec(code, globals_dict=None, files=None, python_path=None, limit_overrides_context=None,
              slug=None, extra_files=None, limits=None):
    """:meth:`ServiceClient.safe_exec` with settings-configured client (returns the new globals)."""
    return default_client().safe_exec(
        code, globals_dict, files=files, python_path=python_path,
        limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files, limits=limits,
    )


def health():
    """:meth:`ServiceClient.health` with settings-configured client."""
    return default_client().health()
