"""A small HTTP/1.1 client on the standard library, with real timeouts.

* the connect timeout bounds TCP connect (and the TLS handshake for https);
* the read timeout is a *total* deadline for sending the request and reading
  the whole answer (not per-recv like ``requests``), so a server that trickles
  bytes cannot hold a caller past it.

Every failure becomes a :mod:`codejail_wasm.exceptions` error.
"""

import http.client
import json
import os
import socket
import time
import uuid
from urllib.parse import urlsplit

from .exceptions import (
    ServiceAuthError,
    ServiceBadRequest,
    ServiceHTTPError,
    ServiceOverloaded,
    ServiceResponseError,
    ServiceTimeout,
    ServiceUnavailable,
)

_CHUNK = 64 * 1024
USER_AGENT = "codejail-wasm-pyclient/0.1"


class Response:
    """A complete HTTP answer."""

    def __init__(self, url, status, reason, headers, body):
        self.url = url
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def json(self):
        """Decode the body as JSON (NaN/Infinity allowed); raise ValueError if it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


def join_url(base, path):
    """``base`` (which may carry a path prefix) + ``path``."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def request(method, url, body=None, headers=None, connect_timeout=0.5, read_timeout=3.5):
    """Send one request and read the whole answer.  Returns a :class:`Response`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceUnavailable("invalid codejail-wasm service URL %r" % (url,), url=url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Connection": "close"}
    all_headers.update(headers or {})
    if body is not None:
        all_headers["Content-Length"] = str(len(body))

    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=connect_timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=connect_timeout)
    try:
        try:
            conn.connect()
        except socket.timeout as err:
            raise ServiceTimeout(
                "timed out connecting to the codejail-wasm service at %s after %ss" % (url, connect_timeout),
                url=url,
            ) from err
        except OSError as err:
            raise ServiceUnavailable(
                "cannot connect to the codejail-wasm service at %s: %s" % (url, err), url=url
            ) from err

        deadline = time.monotonic() + read_timeout

        def remaining():
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("deadline passed")
            return left

        try:
            conn.sock.settimeout(remaining())
            conn.request(method, target, body=body, headers=all_headers)
            conn.sock.settimeout(remaining())
            resp = conn.getresponse()
            chunks = []
            while True:
                if conn.sock is not None:
                    conn.sock.settimeout(remaining())
                chunk = resp.read(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
            return Response(url, resp.status, resp.reason, resp.headers, b"".join(chunks))
        except socket.timeout as err:
            raise ServiceTimeout(
                "no complete answer from the codejail-wasm service at %s within %ss" % (url, read_timeout),
                url=url,
            ) from err
        except http.client.RemoteDisconnected as err:
            raise ServiceUnavailable(
                "the codejail-wasm service at %s closed the connection without answering" % (url,), url=url
            ) from err
        except http.client.IncompleteRead as err:
            raise ServiceUnavailable(
                "the codejail-wasm service at %s sent a truncated answer" % (url,), url=url
            ) from err
        except http.client.HTTPException as err:
            raise ServiceResponseError(
                "the codejail-wasm service at %s did not answer valid HTTP: %r" % (url, err), url=url
            ) from err
        except OSError as err:
            raise ServiceUnavailable(
                "connection to the codejail-wasm service at %s failed: %s" % (url, err), url=url
            ) from err
    finally:
        conn.close()


def encode_multipart(fields, files):
    """Encode a multipart/form-data body.

    ``fields``: list of (name, str) pairs; ``files``: list of (field name,
    filename, bytes).  Returns (content_type, body bytes).
    """
    boundary = "----codejail-wasm-" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\n" % boundary).encode("ascii"))
        out.append(('Content-Disposition: form-data; name="%s"\r\n' % _quote(name)).encode("utf-8"))
        out.append(b"Content-Type: text/plain; charset=utf-8\r\n\r\n")
        out.append(value.encode("utf-8") if isinstance(value, str) else bytes(value))
        out.append(b"\r\n")
    for name, filename, content in files:
        out.append(("--%s\r\n" % boundary).encode("ascii"))
        out.append(
            ('Content-Disposition: form-data; name="%s"; filename="%s"\r\n' % (_quote(name), _quote(filename)))
            .encode("utf-8")
        )
        out.append(b"Content-Type: application/octet-stream\r\n\r\n")
        out.append(content)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode("ascii"))
    return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def _quote(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def error_for_response(resp, what="codejail-wasm service"):
    """The typed exception for a non-200 answer."""
    service_message = None
    try:
        data = resp.json()
        if isinstance(data, dict) and data.get("error") is not None:
            service_message = str(data["error"])
    except ValueError:
        pass
    detail = service_message
    if detail is None:
        detail = resp.body[:500].decode("utf-8", "replace") or resp.reason
    kwargs = dict(url=resp.url, status_code=resp.status, service_message=service_message, body=resp.body)
    if resp.status == 400:
        return ServiceBadRequest("the %s rejected the request (400): %s" % (what, detail), **kwargs)
    if resp.status in (401, 403):
        return ServiceAuthError(
            "the %s refused authentication (%d): %s" % (what, resp.status, detail), **kwargs
        )
    if resp.status in (429, 503):
        return ServiceOverloaded(
            "the %s is unavailable or overloaded (%d): %s" % (what, resp.status, detail), **kwargs
        )
    return ServiceHTTPError("the %s answered HTTP %d: %s" % (what, resp.status, detail), **kwargs)


def decode_json_object(resp, what="codejail-wasm service"):
    """The JSON object of a 200 answer, or a ServiceResponseError."""
    try:
        data = resp.json()
    except (ValueError, UnicodeDecodeError) as err:
        snippet = resp.body[:200].decode("utf-8", "replace")
        raise ServiceResponseError(
            "the %s answered %d with a body that is not JSON: %r" % (what, resp.status, snippet),
            url=resp.url, status_code=resp.status, body=resp.body,
        ) from err
    if not isinstance(data, dict):
        raise ServiceResponseError(
            "the %s answered a JSON %s where an object was expected" % (what, type(data).__name__),
            url=resp.url, status_code=resp.status, body=resp.body,
        )
    return data


def auth_headers(token):
    return {"Authorization": "Bearer %s" % token} if token else {}


def fspath_str(value):
    """argv items as str (codejail callers pass path objects, sometimes ints)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if hasattr(value, "__fspath__"):
        value = os.fspath(value)
        if isinstance(value, bytes):
            return value.decode("utf-8", "surrogateescape")
        return value
    return str(value)
