"""Subprocess helpers for CodeJail -- here the "subprocess" is a run in the codejail-wasm service.

codejail's ``run_subprocess`` starts the sandboxed interpreter, logs on the
``codejail`` logger that it did, and logs again when its REALTIME killer ends it.
This one sends a prepared request (a *job*, see :func:`service_job`) to the
service and logs the same records, with the same levels and texts, from the
service's answer.  A job holds only literals (so that :mod:`codejail.proxy` can
hand it to its proxy process exactly as codejail hands over its arguments).
"""

import logging

from codejail_wasm.client import JAIL_CODE_PATH, SAFE_EXEC_PATH, ServiceClient
# codejail's helpers for a local child process (shadow mode's legacy jail uses them).
from codejail_wasm.localjail import ProcessKillerThread, set_process_limits  # noqa: F401

log = logging.getLogger("codejail")

# The process id a sandboxed program sees (WASI has no processes; wasi-libc's getpid()
# answers 42).  It stands in for codejail's child PID in the log records.
SANDBOX_PID = 42

ENDPOINTS = {"jail_code": JAIL_CODE_PATH, "safe_exec": SAFE_EXEC_PATH}


def service_job(endpoint, payload, limits):
    """A job for :func:`run_subprocess`: the request and the connection settings in force now
    (read in the caller's process, so that a proxy process uses the same service).  The
    bearer token is not part of it (the proxy logs its input at DEBUG): whoever sends
    reads it from the settings."""
    client = ServiceClient()
    return {
        "endpoint": endpoint,
        "payload": payload,
        "service": {
            "url": client.url,
            "connect_timeout": client.connect_timeout,
            "read_timeout": client.read_timeout_for(limits),
        },
    }


def run_subprocess(job, slug=None):
    """
    Run one job in the service and wait for its end.

    `job` is what :func:`service_job` made.  `slug` is a short identifier for use in
    log messages.

    Returns a tuple of three values: the exit status code of the jailed program, and
    its stdout and stderr, as bytes (for a successful safe_exec, stdout is the JSON
    text of the globals the program printed).
    """
    client = ServiceClient(**job["service"])
    path = ENDPOINTS[job["endpoint"]]
    result = client.send(path, job["payload"], read_timeout=job["service"]["read_timeout"])
    where = client.url + path
    if slug:
        log.info("Executed jailed code %s in %s, with PID %s", slug, where, SANDBOX_PID)
    if result.limit_hit == "REALTIME":
        log.warning(
            "Killing process %r (group %r), ran too long: %.1fs",
            SANDBOX_PID, SANDBOX_PID, (result.wall_ms or 0) / 1000.0,
        )
    return result.status, result.stdout, result.stderr
