"""codejail_wasm.remote_exec.send_safe_exec_request_v0, as edx-platform's."""

import json
import os
import time

from codejail_wasm import remote_exec
from codejail_wasm.exceptions import SafeExecException
from codejail_wasm.remote_exec import (
    CodejailServiceParseError,
    CodejailServiceStatusError,
    CodejailServiceUnavailable,
    send_safe_exec_request_v0,
)

from .base import ClientTestCase
from .fakeserver import FakeService, closed_port_url, reply

PATH = ("POST", "/api/v0/code-exec")


def capa_data(**overrides):
    data = {
        "code": "ans = x * 2",
        "globals_dict": {"x": 21, "raw": b"bytes", "obj": object()},
        "python_path": ["python_lib.zip"],
        "limit_overrides_context": "course-v1:a+b+c",
        "slug": "problem-1",
        "unsafely": False,
        "extra_files": [("python_lib.zip", b"PK\x03\x04zipdata")],
    }
    data.update(overrides)
    return data


class SendSafeExecRequestV0Test(ClientTestCase):

    def setUp(self):
        super().setUp()
        os.environ.pop("CODE_JAIL_REST_SERVICE_HOST", None)

    def test_success_updates_globals(self):
        answer = reply(200, {"globals_dict": {"x": 21, "raw": "bytes", "ans": 42}})
        with FakeService({PATH: answer}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            data = capa_data()
            globals_dict = data["globals_dict"]
            emsg, exc = send_safe_exec_request_v0(data)
        self.assertIsNone(emsg)
        self.assertIsNone(exc)
        self.assertEqual(globals_dict["ans"], 42)
        self.assertIn("obj", globals_dict)
        self.assertNotIn("extra_files", data)  # popped, as edx does

        req = fake.requests[0]
        self.assertTrue(req.headers["Content-Type"].startswith("multipart/form-data; boundary="))
        parts = req.multipart()
        self.assertEqual(set(parts), {"payload", "python_lib.zip"})
        self.assertEqual(parts["python_lib.zip"], ("python_lib.zip", b"PK\x03\x04zipdata"))
        payload = json.loads(parts["payload"][1].decode("utf-8"))
        self.assertEqual(payload, {
            "code": "ans = x * 2",
            "globals_dict": {"x": 21, "raw": "bytes"},
            "python_path": ["python_lib.zip"],
            "limit_overrides_context": "course-v1:a+b+c",
            "slug": "problem-1",
            "unsafely": False,
        })

    def test_emsg_returned_not_raised(self):
        emsg = "Couldn't execute jailed code: stdout: b'', stderr: b'boom' with status code: 1"
        answer = reply(200, {"globals_dict": {"x": 21}, "emsg": emsg})
        with FakeService({PATH: answer}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            data = capa_data()
            got_emsg, exc = send_safe_exec_request_v0(data)
        self.assertEqual(got_emsg, emsg)
        self.assertIsInstance(exc, SafeExecException)
        self.assertEqual(str(exc), emsg + ". For more information check Codejail Service logs.")

    def test_emsg_without_globals_dict_tolerated(self):
        with FakeService({PATH: reply(200, {"emsg": "bad"})}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            data = capa_data()
            emsg, exc = send_safe_exec_request_v0(data)
        self.assertEqual(emsg, "bad")
        self.assertIsNotNone(exc)

    def test_no_extra_files(self):
        with FakeService({PATH: reply(200, {"globals_dict": {}})}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            send_safe_exec_request_v0(capa_data(extra_files=None, python_path=None))
        parts = fake.requests[0].multipart()
        self.assertEqual(set(parts), {"payload"})
        self.assertIsNone(json.loads(parts["payload"][1])["python_path"])

    def test_missing_extra_files_key_is_keyerror(self):
        data = capa_data()
        del data["extra_files"]
        with self.assertRaises(KeyError):
            send_safe_exec_request_v0(data)

    def test_host_falls_back_to_codejail_wasm_url(self):
        with FakeService({PATH: reply(200, {"globals_dict": {}})}) as fake:
            os.environ["CODEJAIL_WASM_URL"] = fake.url
            self.assertEqual(remote_exec.get_codejail_rest_service_endpoint(), fake.url + "/api/v0/code-exec")
            send_safe_exec_request_v0(capa_data())
        self.assertEqual(len(fake.requests), 1)

    def test_token(self):
        with FakeService({PATH: reply(200, {"globals_dict": {}})}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            os.environ["CODEJAIL_WASM_TOKEN"] = "tok"
            send_safe_exec_request_v0(capa_data())
        self.assertEqual(fake.requests[0].headers["Authorization"], "Bearer tok")

    def test_service_down(self):
        os.environ["CODE_JAIL_REST_SERVICE_HOST"] = closed_port_url()
        with self.assertLogs("codejail_wasm.remote_exec", "ERROR"):
            with self.assertRaises(CodejailServiceUnavailable) as ctx:
                send_safe_exec_request_v0(capa_data())
        self.assertEqual(str(ctx.exception),
                         "Codejail API Service is unavailable. Please try again in a few minutes.")

    def test_read_timeout(self):
        with FakeService({PATH: reply(200, {"globals_dict": {}}, delay=3)}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            os.environ["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"] = "0.3"
            start = time.monotonic()
            with self.assertLogs("codejail_wasm.remote_exec", "ERROR"):
                with self.assertRaises(CodejailServiceUnavailable):
                    send_safe_exec_request_v0(capa_data())
        self.assertLess(time.monotonic() - start, 1.5)

    def test_status_errors(self):
        for status in (400, 401, 500, 503):
            with self.subTest(status=status):
                with FakeService({PATH: reply(status, {"error": "nope"})}) as fake:
                    os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
                    with self.assertRaises(CodejailServiceStatusError) as ctx:
                        send_safe_exec_request_v0(capa_data())
                self.assertEqual(str(ctx.exception), "Codejail API Service invalid response.")
                self.assertEqual(ctx.exception.status_code, status)

    def test_garbage(self):
        with FakeService({PATH: reply(200, "this is not json")}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            with self.assertLogs("codejail_wasm.remote_exec", "ERROR"):
                with self.assertRaises(CodejailServiceParseError) as ctx:
                    send_safe_exec_request_v0(capa_data())
        self.assertEqual(str(ctx.exception), "Invalid JSON response received from codejail api service.")

    def test_nan_globals(self):
        with FakeService({PATH: lambda rec: reply(200, {"globals_dict": json.loads(
                rec.multipart()["payload"][1])["globals_dict"]})}) as fake:
            os.environ["CODE_JAIL_REST_SERVICE_HOST"] = fake.url
            data = capa_data(globals_dict={"n": float("nan"), "i": float("-inf")})
            send_safe_exec_request_v0(data)
        self.assertNotEqual(data["globals_dict"]["n"], data["globals_dict"]["n"])
        self.assertEqual(data["globals_dict"]["i"], float("-inf"))
