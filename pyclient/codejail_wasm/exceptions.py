"""Exceptions raised by the codejail-wasm client.

Two families live here:

* codejail's own exceptions (``CodeJailException``, ``JailError``,
  ``SafeExecException``).  ``codejail.safe_exec.SafeExecException`` and
  ``codejail.exceptions.SafeExecException`` are this very class, so code that
  catches either catches what the service reports.  ``SafeExecException`` means
  "the submitted code failed" (as in codejail) and nothing else.

* transport errors (``CodejailWasmError`` and subclasses): the service could not
  be reached, refused the request, or answered something unreadable.  They are
  deliberately *not* ``SafeExecException`` subclasses: capa caches a
  ``SafeExecException`` as the learner's result, and an outage must not be cached.
"""


class CodeJailException(Exception):
    """Top of the hierarchy of codejail exceptions."""


class JailError(CodeJailException):
    """There was a problem configuring a codejail or accessing a configured codejail."""


class SafeExecException(CodeJailException):
    """
    Python code running in the sandbox has failed.

    The message is the service's text, which is codejail's
    ``Couldn't execute jailed code: stdout: ..., stderr: ... with status code: N``.

    Instances raised by the service client also carry, when known:
    ``status`` (int), ``stdout``/``stderr`` (bytes), ``outcome``, ``limit_hit``,
    ``fuel_used``, ``wall_ms`` and ``response`` (the decoded JSON body).
    """


class CodejailWasmError(Exception):
    """Base class of the client's transport/protocol errors.

    Attributes: ``url`` (the endpoint), ``status_code`` (HTTP status or None),
    ``service_message`` (the service's ``error`` text, if any), ``body`` (raw
    response bytes, if any).
    """

    def __init__(self, message, url=None, status_code=None, service_message=None, body=None):
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.service_message = service_message
        self.body = body


class ServiceUnavailable(CodejailWasmError):
    """The service could not be reached (connection refused, reset, DNS...)."""


class ServiceTimeout(ServiceUnavailable):
    """Connecting or reading the answer took longer than the configured timeout."""


class ServiceOverloaded(ServiceUnavailable):
    """The service answered 503 (queue full, shutting down) or 429."""


class ServiceAuthError(CodejailWasmError):
    """The service answered 401/403: missing or wrong bearer token."""


class ServiceBadRequest(CodejailWasmError):
    """The service answered 400; ``service_message`` names the offending field."""


class ServiceHTTPError(CodejailWasmError):
    """The service answered an unexpected HTTP status (e.g. 500, 404)."""


class ServiceResponseError(CodejailWasmError):
    """The answer was not HTTP, not JSON, or not the documented shape."""


# Names used by edx-platform / xblocks-contrib
# (``xblocks_contrib.problem.capa.safe_exec.exceptions``), provided for
# ``codejail_wasm.remote_exec.send_safe_exec_request_v0``.  They subclass the
# matching client errors so either family can be caught.


class CodejailServiceParseError(ServiceResponseError):
    """An exception that is raised whenever we have issues with data parsing."""

    def __init__(self, message, **kwargs):
        super().__init__(message, **kwargs)


class CodejailServiceStatusError(ServiceHTTPError):
    """An exception that is raised whenever Codejail service response status is different to 200."""

    def __init__(self, message, **kwargs):
        super().__init__(message, **kwargs)


class CodejailServiceUnavailable(ServiceUnavailable):
    """An exception that is raised whenever Codejail service is unavailable."""

    def __init__(self, message, **kwargs):
        super().__init__(message, **kwargs)
