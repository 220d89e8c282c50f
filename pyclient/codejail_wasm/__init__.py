"""codejail-wasm client.

* :mod:`codejail_wasm.client` -- the service's native API (``jail_code``,
  ``safe_exec``, ``health``, ``ServiceClient``);
* :mod:`codejail_wasm.remote_exec` -- edx-platform's ``send_safe_exec_request_v0``;
* :mod:`codejail_wasm.shadow` -- legacy-vs-service comparison;
* the ``codejail`` package shipped alongside is the drop-in replacement for
  Open edX's codejail.
"""

from . import client
from .config import configure, reset as reset_configuration
from .exceptions import (
    CodeJailException,
    CodejailServiceParseError,
    CodejailServiceStatusError,
    CodejailServiceUnavailable,
    CodejailWasmError,
    JailError,
    SafeExecException,
    ServiceAuthError,
    ServiceBadRequest,
    ServiceHTTPError,
    ServiceOverloaded,
    ServiceResponseError,
    ServiceTimeout,
    ServiceUnavailable,
)
from .wrapper import json_safe
from .results import JailResult

__version__ = "0.1.0"


jail_code = client.jail_code
safe_exec = client.safe_exec
health = client.health


__all__ = [
    "configure", "reset_configuration", "jail_code", "safe_exec", "health", "json_safe", "JailResult",
    "CodeJailException", "JailError", "SafeExecException", "CodejailWasmError", "ServiceUnavailable",
    "ServiceTimeout", "ServiceOverloaded", "ServiceAuthError", "ServiceBadRequest", "ServiceHTTPError",
    "ServiceResponseError", "CodejailServiceParseError", "CodejailServiceStatusError",
    "CodejailServiceUnavailable",
]
