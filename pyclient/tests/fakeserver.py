"""A fake codejail-wasm service for the tests: http.server in a thread, canned answers."""

import email.parser
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorded:
    """One request the fake server received."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def multipart(self):
        """{field name: (filename or None, bytes)} of a multipart/form-data body."""
        ctype = self.headers["Content-Type"]
        raw = b"Content-Type: " + ctype.encode("ascii") + b"\r\nMIME-Version: 1.0\r\n\r\n" + self.body
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        out = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_param("filename", header="content-disposition")
            out[name] = (filename, part.get_payload(decode=True))
        return out


def reply(status=200, body=None, headers=None, delay=0.0, raw=None, hold=0.0):
    """A canned answer: JSON ``body`` (dict) or bytes/str; ``raw`` bytes written as-is on the socket
    (then the connection is held open ``hold`` seconds before closing)."""
    return {"status": status, "body": body, "headers": headers or {}, "delay": delay, "raw": raw, "hold": hold}


class FakeService:
    """Routes: {(method, path): answer or callable(Recorded) -> answer}.  Unknown routes: 404."""

    def __init__(self, routes=None):
        self.routes = dict(routes or {})
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, self.headers, body)
                fake.requests.append(rec)
                answer = fake.routes.get((self.command, self.path))
                if callable(answer):
                    answer = answer(rec)
                if answer is None:
                    answer = reply(404, {"error": "no route %s %s" % (self.command, self.path)})
                if answer["delay"]:
                    time.sleep(answer["delay"])
                if answer["raw"] is not None:
                    try:
                        self.wfile.write(answer["raw"])
                        self.wfile.flush()
                        if answer.get("hold"):
                            time.sleep(answer["hold"])
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                data = answer["body"]
                if isinstance(data, (dict, list)):
                    data = json.dumps(data).encode("utf-8")
                    ctype = "application/json"
                elif isinstance(data, str):
                    data = data.encode("utf-8")
                    ctype = "text/plain"
                else:
                    data = data or b""
                    ctype = "application/octet-stream"
                try:
                    self.send_response(answer["status"])
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    for key, value in answer["headers"].items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass
                self.close_connection = True

            do_GET = _handle
            do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return "http://%s:%d" % (host, port)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port


def jail_ok(stdout=b"", stderr=b"", status=0, **extra):
    import base64

    body = {
        "status": status,
        "stdout_b64": base64.b64encode(stdout).decode("ascii"),
        "stderr_b64": base64.b64encode(stderr).decode("ascii"),
        "outcome": "complete",
        "limit_hit": None,
        "fuel_used": 1234,
        "wall_ms": 5.5,
        "stdout_truncated": False,
        "stderr_truncated": False,
        "effective_limits": {"CPU": 1, "REALTIME": 1, "VMEM": 0, "FSIZE": 0, "NPROC": 15, "PROXY": None},
    }
    body.update(extra)
    return reply(200, body)
