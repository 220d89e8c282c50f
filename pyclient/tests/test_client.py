"""codejail_wasm.client against a fake service: request shapes, answers, error paths."""

import base64
import json
import math
import os
import socket
import tempfile
import time
from unittest import mock

import codejail_wasm
from codejail_wasm import client, config
from codejail_wasm.exceptions import (
    CodejailWasmError,
    SafeExecException,
    ServiceAuthError,
    ServiceBadRequest,
    ServiceHTTPError,
    ServiceOverloaded,
    ServiceResponseError,
    ServiceTimeout,
    ServiceUnavailable,
)
from codejail_wasm.results import JailResult

from .base import ClientTestCase
from .fakeserver import FakeService, closed_port_url, jail_ok, reply


def b64d(text):
    return base64.b64decode(text)


class JailCodeTest(ClientTestCase):

    def test_request_and_result(self):
        with FakeService({("POST", "/api/v1/jail_code"): jail_ok(b"hi\n", b"warn", 0)}) as fake:
            codejail_wasm.configure(url=fake.url)
            res = client.jail_code(
                "python", code="print('hi')", argv=["a", 7], stdin="in\u00e9",
                extra_files=[("data.txt", b"\x00\x01"), ("s.py", "x = 1")], slug="s1",
                limits={"CPU": 2, "REALTIME": 3, "VMEM": 0, "FSIZE": 0, "NPROC": 15, "PROXY": None},
            )
        self.assertIsInstance(res, JailResult)
        self.assertEqual(res.status, 0)
        self.assertEqual(res.stdout, b"hi\n")
        self.assertEqual(res.stderr, b"warn")
        self.assertEqual(res.outcome, "complete")
        self.assertEqual(res.fuel_used, 1234)
        self.assertEqual(res.wall_ms, 5.5)
        self.assertFalse(res.stdout_truncated)
        self.assertEqual(res.effective_limits["NPROC"], 15)
        req = fake.requests[0]
        self.assertEqual(req.headers["Content-Type"], "application/json")
        self.assertNotIn("Authorization", req.headers)
        body = req.json()
        self.assertEqual(body["command"], "python")
        self.assertEqual(body["code"], "print('hi')")
        self.assertEqual(body["argv"], ["a", "7"])
        self.assertEqual(b64d(body["stdin_b64"]), "in\u00e9".encode("utf-8"))
        self.assertEqual(body["extra_files"][0]["name"], "data.txt")
        self.assertEqual(b64d(body["extra_files"][0]["content_b64"]), b"\x00\x01")
        self.assertEqual(b64d(body["extra_files"][1]["content_b64"]), b"x = 1")
        self.assertEqual(body["files"], [])
        self.assertEqual(body["slug"], "s1")
        self.assertIsNone(body["limit_overrides_context"])
        self.assertEqual(body["limits"], {"CPU": 2, "REALTIME": 3, "VMEM": 0, "FSIZE": 0, "NPROC": 15,
                                          "PROXY": None})

    def test_empty_code_and_stdin_sent_as_null(self):
        with FakeService({("POST", "/api/v1/jail_code"): jail_ok()}) as fake:
            codejail_wasm.configure(url=fake.url)
            client.jail_code("python", code="", argv=["-m", "mod"], stdin="")
        body = fake.requests[0].json()
        self.assertIsNone(body["code"])
        self.assertIsNone(body["stdin_b64"])
        self.assertEqual(body["argv"], ["-m", "mod"])

    def test_limits_are_the_callers_or_the_services_defaults(self):
        # The client keeps no limits of its own (codejail's registry lives in codejail.jail_code,
        # which passes them): without limits the request carries none and the service decides.
        with FakeService({("POST", "/api/v1/jail_code"): jail_ok()}) as fake:
            codejail_wasm.configure(url=fake.url)
            client.jail_code("python", code="1", limit_overrides_context="course-x",
                             limits={"CPU": 5, "REALTIME": 9})
            client.jail_code("python", code="1")
        body = fake.requests[0].json()
        self.assertEqual(body["limits"], {"CPU": 5, "REALTIME": 9, "VMEM": 0, "FSIZE": 0, "NPROC": 0, "PROXY": None})
        self.assertEqual(body["limit_overrides_context"], "course-x")
        self.assertNotIn("limits", fake.requests[1].json())

    def test_files_and_directories_sent_by_content(self):
        with tempfile.TemporaryDirectory() as tmp:
            one = os.path.join(tmp, "one.py")
            with open(one, "wb") as f:
                f.write(b"ONE")
            pkg = os.path.join(tmp, "pkg")
            os.makedirs(os.path.join(pkg, "sub"))
            os.makedirs(os.path.join(pkg, "__pycache__"))
            for rel, content in [("__init__.py", b""), ("sub/m.py", b"M"), ("__pycache__/x.pyc", b"PYC")]:
                with open(os.path.join(pkg, rel), "wb") as f:
                    f.write(content)
            os.symlink(one, os.path.join(pkg, "link.py"))
            os.symlink("sub", os.path.join(pkg, "subdir_link"))
            os.symlink(os.path.join(pkg, "sub", "m.py"), os.path.join(tmp, "top_link.py"))
            with FakeService({("POST", "/api/v1/jail_code"): jail_ok()}) as fake:
                codejail_wasm.configure(url=fake.url)
                client.jail_code("python", argv=["one.py"], files=[one, pkg + "/", os.path.join(tmp, "top_link.py")])
        sent = fake.requests[0].json()["files"]
        files = {f["path"]: b64d(f["content_b64"]) for f in sent if "content_b64" in f}
        self.assertEqual(files, {"one.py": b"ONE", "pkg/__init__.py": b"", "pkg/sub/m.py": b"M"})
        # As codejail copies them (copytree(symlinks=True)): links stay links, no data read through them.
        links = {f["path"]: f["symlink"] for f in sent if "symlink" in f}
        self.assertEqual(links, {"pkg/link.py": one, "pkg/subdir_link": "sub",
                                 "top_link.py": os.path.join(pkg, "sub", "m.py")})

    def test_missing_file_raises_oserror_before_sending(self):
        with FakeService({}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(OSError):
                client.jail_code("python", code="1", files=["/nonexistent/zzz.py"])
        self.assertEqual(fake.requests, [])

    def test_bearer_token(self):
        with FakeService({("POST", "/api/v1/jail_code"): jail_ok()}) as fake:
            os.environ["CODEJAIL_WASM_URL"] = fake.url
            os.environ["CODEJAIL_WASM_TOKEN"] = "s3cret"
            client.jail_code("python", code="1")
        self.assertEqual(fake.requests[0].headers["Authorization"], "Bearer s3cret")

    def test_url_with_path_prefix(self):
        with FakeService({("POST", "/codejail/api/v1/jail_code"): jail_ok()}) as fake:
            client.ServiceClient(url=fake.url + "/codejail/").jail_code("python", code="1")
        self.assertEqual(fake.requests[0].path, "/codejail/api/v1/jail_code")

    def test_missing_status_is_response_error(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(200, {"stdout_b64": ""})}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(ServiceResponseError):
                client.jail_code("python", code="1")

    def test_bad_base64_is_response_error(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(200, {"status": 0, "stdout_b64": "!!!",
                                                                      "stderr_b64": ""})}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(ServiceResponseError):
                client.jail_code("python", code="1")


class SafeExecClientTest(ClientTestCase):

    def test_globals_round_trip_with_nan(self):
        def answer(rec):
            g = rec.json()["globals_dict"]
            g["y"] = float("inf")
            return reply(200, {"globals_dict": g, "status": 0, "outcome": "complete", "fuel_used": 1,
                               "wall_ms": 1.0})

        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            g = {"x": float("nan"), "b": b"bytes", "t": (1, 2), "mod": os, "__builtins__": {}}
            out = client.safe_exec("y = 1", g, slug="sl")
        body = fake.requests[0].json()
        self.assertTrue(math.isnan(body["globals_dict"]["x"]))
        self.assertEqual(body["globals_dict"]["b"], "bytes")
        self.assertEqual(body["globals_dict"]["t"], [1, 2])
        self.assertNotIn("mod", body["globals_dict"])
        self.assertNotIn("__builtins__", body["globals_dict"])
        self.assertEqual(body["code"], "y = 1")
        self.assertEqual(body["python_path"], [])
        self.assertEqual(out["y"], float("inf"))
        self.assertTrue(math.isnan(out["x"]))
        self.assertIn("mod", g)  # the client does not mutate its argument
        self.assertNotIn("y", g)

    def test_failure_raises_safe_exec_exception_with_codejails_text(self):
        stderr = b"Traceback...\nZeroDivisionError: division by zero\n"
        emsg = ("Couldn't execute jailed code: stdout: b'', stderr: b'Traceback...\\nZeroDivisionError: "
                "division by zero\\n' with status code: 1")
        answer = reply(200, {"emsg": emsg, "status": 1, "stdout_b64": "", "stderr_b64": base64.b64encode(
            stderr).decode(), "outcome": "complete", "limit_hit": None, "fuel_used": 3, "wall_ms": 2.0})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(SafeExecException) as ctx:
                client.safe_exec("1/0", {})
        self.assertEqual(str(ctx.exception), emsg)
        self.assertEqual(ctx.exception.status, 1)
        self.assertEqual(ctx.exception.stderr, stderr)
        self.assertEqual(ctx.exception.outcome, "complete")

    def test_exit_without_globals_raises_json_decode_error_like_codejail(self):
        # codejail's safe_exec does json.loads(stdout) when the status is 0: a program that
        # exited before printing its globals makes that raise JSONDecodeError.
        answer = reply(200, {"emsg": "Sandboxed code produced corrupted stdout.", "status": 0,
                             "stdout_b64": "", "stderr_b64": "", "outcome": "complete"})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(json.JSONDecodeError):
                client.safe_exec("import sys; sys.exit(0)", {})

    def test_python_path_and_extra_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            libdir = os.path.join(tmp, "mylib")
            os.makedirs(libdir)
            with open(os.path.join(libdir, "helper.py"), "wb") as f:
                f.write(b"X = 1")
            with FakeService({("POST", "/api/v1/safe_exec"): reply(200, {"globals_dict": {}, "status": 0})}) \
                    as fake:
                codejail_wasm.configure(url=fake.url)
                client.safe_exec(
                    "import helper", {}, python_path=[libdir, "python_lib.zip"],
                    extra_files=[("python_lib.zip", b"PK\x03\x04zip")],
                    limit_overrides_context="ctx", slug="slug", limits={"CPU": 1},
                )
        body = fake.requests[0].json()
        self.assertEqual(body["python_path"], [libdir, "python_lib.zip"])
        self.assertEqual([f["path"] for f in body["files"]], ["mylib/helper.py"])
        self.assertEqual(body["extra_files"], [{"name": "python_lib.zip",
                                                "content_b64": base64.b64encode(b"PK\x03\x04zip").decode()}])
        self.assertEqual(body["limit_overrides_context"], "ctx")
        self.assertEqual(body["slug"], "slug")
        self.assertEqual(set(body["limits"]), {"CPU", "REALTIME", "VMEM", "FSIZE", "NPROC", "PROXY"})

    def test_answer_without_globals_or_emsg(self):
        with FakeService({("POST", "/api/v1/safe_exec"): reply(200, {"status": 0})}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(ServiceResponseError):
                client.safe_exec("1", {})


class HealthTest(ClientTestCase):

    def test_ok(self):
        with FakeService({("GET", "/health/"): reply(200, {"status": "OK"})}) as fake:
            codejail_wasm.configure(url=fake.url)
            self.assertEqual(codejail_wasm.health(), {"status": "OK"})

    def test_503(self):
        with FakeService({("GET", "/health/"): reply(503, {"status": "UNAVAILABLE", "error": "draining"})}) \
                as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(ServiceOverloaded) as ctx:
                client.health()
        self.assertEqual(ctx.exception.status_code, 503)


class ErrorPathTest(ClientTestCase):
    """Every failure is a typed CodejailWasmError, and none outlives its timeout."""

    def call(self, url, **kwargs):
        return client.ServiceClient(url=url, **kwargs).jail_code("python", code="print(1)",
                                                                 limits={"REALTIME": 0})

    def test_connection_refused(self):
        start = time.monotonic()
        with self.assertRaises(ServiceUnavailable) as ctx:
            self.call(closed_port_url())
        self.assertLess(time.monotonic() - start, 2)
        self.assertNotIsInstance(ctx.exception, ServiceTimeout)
        self.assertIn("cannot connect", str(ctx.exception))

    def test_connect_timeout(self):
        def slow_connect(*args, **kwargs):
            raise socket.timeout("timed out")

        with mock.patch("socket.create_connection", slow_connect):
            with self.assertRaises(ServiceTimeout) as ctx:
                self.call("http://127.0.0.1:9", connect_timeout=0.2)
        self.assertIn("connecting", str(ctx.exception))

    def test_slow_service_read_timeout(self):
        routes = {("POST", "/api/v1/jail_code"): reply(200, {"status": 0}, delay=3)}
        with FakeService(routes) as fake:
            start = time.monotonic()
            with self.assertRaises(ServiceTimeout):
                self.call(fake.url, read_timeout=0.3)
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, 1.5)
        self.assertGreaterEqual(elapsed, 0.25)

    def test_read_timeout_from_settings(self):
        routes = {("POST", "/api/v1/jail_code"): reply(200, {"status": 0}, delay=3)}
        with FakeService(routes) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"] = "0.3"
            start = time.monotonic()
            with self.assertRaises(ServiceTimeout):
                self.call(fake.url)
        self.assertLess(time.monotonic() - start, 1.5)

    def test_read_timeout_extends_to_realtime_limit(self):
        os.environ["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"] = "0.3"
        c = client.ServiceClient(url="http://x")
        self.assertEqual(c.read_timeout_for({"REALTIME": 0}), 0.3)
        self.assertEqual(c.read_timeout_for({"REALTIME": 5}), 22.0)  # the service's watchdog (5 x 4 + 1) + 1
        os.environ["CODEJAIL_WASM_TIMEOUT_MARGIN"] = "0.5"
        self.assertEqual(c.read_timeout_for({"REALTIME": 5}), 21.5)

    def test_trickling_service_total_deadline(self):
        # Headers arrive at once but the body never completes: the read timeout is a total deadline.
        raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        routes = {("POST", "/api/v1/jail_code"): reply(raw=raw, hold=3)}
        with FakeService(routes) as fake:
            start = time.monotonic()
            with self.assertRaises(ServiceTimeout):
                self.call(fake.url, read_timeout=0.5)
        self.assertLess(time.monotonic() - start, 1.5)

    def test_garbage_json(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(200, "<html>oops</html>")}) as fake:
            with self.assertRaises(ServiceResponseError) as ctx:
                self.call(fake.url)
        self.assertIn("not JSON", str(ctx.exception))
        self.assertIn("oops", str(ctx.exception))

    def test_json_but_not_object(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(200, [1, 2])}) as fake:
            with self.assertRaises(ServiceResponseError):
                self.call(fake.url)

    def test_not_http_at_all(self):
        routes = {("POST", "/api/v1/jail_code"): reply(raw=b"SSH-2.0-OpenSSH_9.0\r\n\r\n")}
        with FakeService(routes) as fake:
            with self.assertRaises(ServiceResponseError):
                self.call(fake.url)

    def test_closed_without_answer(self):
        routes = {("POST", "/api/v1/jail_code"): reply(raw=b"")}
        with FakeService(routes) as fake:
            with self.assertRaises(ServiceUnavailable):
                self.call(fake.url)

    def test_401(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(401, {"error": "bad token"})}) as fake:
            with self.assertRaises(ServiceAuthError) as ctx:
                self.call(fake.url, token="wrong")
        self.assertEqual(ctx.exception.status_code, 401)
        self.assertEqual(ctx.exception.service_message, "bad token")
        self.assertEqual(fake.requests[0].headers["Authorization"], "Bearer wrong")

    def test_503(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(503, {"error": "queue full"})}) as fake:
            with self.assertRaises(ServiceOverloaded) as ctx:
                self.call(fake.url)
        self.assertIsInstance(ctx.exception, ServiceUnavailable)
        self.assertIn("queue full", str(ctx.exception))

    def test_400_names_field(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(400, {"error": "argv must be a list"})}) as fake:
            with self.assertRaises(ServiceBadRequest) as ctx:
                self.call(fake.url)
        self.assertIn("argv must be a list", str(ctx.exception))
        self.assertEqual(ctx.exception.service_message, "argv must be a list")

    def test_500_non_json(self):
        with FakeService({("POST", "/api/v1/jail_code"): reply(500, "Internal Server Error")}) as fake:
            with self.assertRaises(ServiceHTTPError) as ctx:
                self.call(fake.url)
        self.assertEqual(ctx.exception.status_code, 500)

    def test_safe_exec_errors_are_not_safe_exec_exceptions(self):
        with FakeService({("POST", "/api/v1/safe_exec"): reply(503, {"error": "busy"})}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(ServiceOverloaded) as ctx:
                client.safe_exec("1", {})
        self.assertNotIsInstance(ctx.exception, SafeExecException)

    def test_invalid_url(self):
        with self.assertRaises(ServiceUnavailable):
            self.call("ftp://example")


class ConfigTest(ClientTestCase):

    def test_defaults(self):
        self.assertEqual(config.service_url(), "http://127.0.0.1:8550")
        self.assertEqual(config.connect_timeout(), 0.5)
        self.assertEqual(config.read_timeout(), 3.5)
        self.assertIsNone(config.service_token())
        self.assertEqual(config.mode(), "service")
        self.assertEqual(config.rest_service_host(), "http://127.0.0.1:8550")

    def test_env_then_configure(self):
        os.environ["CODEJAIL_WASM_URL"] = "http://env:1/"
        os.environ["CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT"] = "2"
        self.assertEqual(config.service_url(), "http://env:1")
        self.assertEqual(config.connect_timeout(), 2.0)
        codejail_wasm.configure(url="http://prog:2", connect_timeout=0.1)
        self.assertEqual(config.service_url(), "http://prog:2")
        self.assertEqual(config.connect_timeout(), 0.1)

    def test_bad_timeout(self):
        os.environ["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"] = "soon"
        with self.assertRaises(ValueError):
            config.read_timeout()

    def test_django_settings_used_when_configured(self):
        import sys
        import types

        settings = types.SimpleNamespace(configured=True, CODEJAIL_WASM_URL="http://django:3",
                                         CODE_JAIL_REST_SERVICE_READ_TIMEOUT=7)
        django = types.ModuleType("django")
        conf = types.ModuleType("django.conf")
        conf.settings = settings
        django.conf = conf
        os.environ["CODEJAIL_WASM_URL"] = "http://env:1"
        with mock.patch.dict(sys.modules, {"django": django, "django.conf": conf}):
            self.assertEqual(config.service_url(), "http://django:3")
            self.assertEqual(config.read_timeout(), 7.0)
            settings.configured = False
            self.assertEqual(config.service_url(), "http://env:1")

    def test_django_not_imported(self):
        import sys
        self.assertNotIn("django", sys.modules)
        config.service_url()
        self.assertNotIn("django", sys.modules)
