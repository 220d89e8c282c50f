"""Shadow mode: legacy + service, compare, log, return the primary's result."""

import base64
import logging
import os
import sys

import codejail_wasm
from codejail import jail_code as cj
from codejail import safe_exec as cse
from codejail_wasm import shadow
from codejail_wasm.exceptions import SafeExecException, ServiceUnavailable

from . import legacy_fakes
from .base import ClientTestCase
from .fakeserver import FakeService, closed_port_url, jail_ok, reply

SAFE = ("POST", "/api/v1/safe_exec")
JAIL = ("POST", "/api/v1/jail_code")
LEGACY = "tests.legacy_fakes.legacy_safe_exec"


def echo_service(extra=None):
    """A fake safe_exec that runs the code in-process (to produce matching globals)."""
    def answer(rec):
        body = rec.json()
        g = dict(body["globals_dict"])
        try:
            exec(body["code"], g)  # pylint: disable=exec-used
        except Exception as e:  # pylint: disable=broad-except
            stderr = ("Traceback (most recent call last):\n  File \"jailed_code\", line 31, in <module>\n"
                      "    exec(code, g_dict)\n  File \"<string>\", line 1, in <module>\n%s: %s\n"
                      % (type(e).__name__, e)).encode()
            return reply(200, {"emsg": "Couldn't execute jailed code: stdout: b'', stderr: %r with status code: 1"
                               % stderr, "status": 1, "stdout_b64": "",
                               "stderr_b64": base64.b64encode(stderr).decode()})
        g = codejail_wasm.json_safe(g)
        g.update(extra or {})
        return reply(200, {"globals_dict": g, "status": 0})
    return answer


class ShadowTestCase(ClientTestCase):

    def setUp(self):
        super().setUp()
        legacy_fakes.CALLS.clear()

    def run_logged(self, fn, *args, **kwargs):
        """Call fn; return (result or exception, list of WARNING+ records on codejail_wasm.shadow)."""
        with self.assertLogs("codejail_wasm.shadow", logging.DEBUG) as logs:
            logging.getLogger("codejail_wasm.shadow").debug("start")
            try:
                result = fn(*args, **kwargs)
            except Exception as e:  # pylint: disable=broad-except
                result = e
        return result, [r for r in logs.records if r.levelno >= logging.WARNING]


class ShadowSafeExecTest(ShadowTestCase):

    def test_match_logs_nothing(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
            g = {"a": 2}
            result, warnings = self.run_logged(shadow.safe_exec, "b = a * 5", g, slug="p1")
        self.assertIsNone(result)
        self.assertEqual(g, {"a": 2, "b": 10})
        self.assertEqual(warnings, [])
        self.assertEqual(len(fake.requests), 1)
        self.assertEqual(legacy_fakes.CALLS, [("safe_exec", "b = a * 5", "p1")])

    def test_globals_mismatch_logged(self):
        with FakeService({SAFE: echo_service(extra={"b": 11})}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
            g = {"a": 2}
            result, warnings = self.run_logged(shadow.safe_exec, "b = a * 5", g, slug="p1",
                                               limit_overrides_context="course-z")
        self.assertEqual(g["b"], 10)  # legacy result returned
        self.assertEqual(len(warnings), 1)
        msg = warnings[0].getMessage()
        self.assertIn("differing=globals", msg)
        self.assertIn("'course-z'", msg)
        self.assertIn("'p1'", msg)

    def test_emsg_normalized_and_legacy_exception_raised(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
            result, warnings = self.run_logged(shadow.safe_exec, "1/0", {})
        self.assertIsInstance(result, SafeExecException)
        self.assertIn("/tmp/codejail-abc123_x/jailed_code", str(result))  # the legacy text, untouched
        self.assertEqual(warnings, [])  # dir names and line numbers normalized away

    def test_emsg_difference_logged(self):
        def answer(rec):
            return reply(200, {"emsg": "Couldn't execute jailed code: stdout: b'', stderr: b'other' "
                                       "with status code: 1", "status": 1, "stdout_b64": "",
                               "stderr_b64": base64.b64encode(b"other").decode()})

        with FakeService({SAFE: answer}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
            result, warnings = self.run_logged(shadow.safe_exec, "1/0", {})
        self.assertIsInstance(result, SafeExecException)
        self.assertIn("differing=emsg", warnings[0].getMessage())

    def test_status_difference_logged(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY="tests.legacy_fakes.broken_safe_exec")
            result, warnings = self.run_logged(shadow.safe_exec, "x = 1", {})
        self.assertIsInstance(result, RuntimeError)  # legacy's unexpected error is the caller's
        self.assertIn("unexpected exception", warnings[0].getMessage())

    def test_service_down_does_not_affect_result(self):
        codejail_wasm.configure(url=closed_port_url(), CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
        g = {"a": 1}
        result, warnings = self.run_logged(shadow.safe_exec, "b = a + 1", g)
        self.assertIsNone(result)
        self.assertEqual(g["b"], 2)
        self.assertEqual(len(warnings), 1)
        self.assertIn("ServiceUnavailable", warnings[0].getMessage())

    def test_sample_rate_zero_skips_service(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY=LEGACY,
                                    CODEJAIL_WASM_SHADOW_SAMPLE_RATE="0")
            g = {}
            shadow.safe_exec("z = 3", g)
        self.assertEqual(g, {"z": 3})
        self.assertEqual(fake.requests, [])

    def test_sample_rate_parsing(self):
        for raw, expected in (("0.25", 0.25), ("2", 1.0), ("-1", 0.0), ("junk", 0.0), (None, 1.0)):
            with self.subTest(raw=raw):
                shadow.reset()
                os.environ.pop("CODEJAIL_WASM_SHADOW_SAMPLE_RATE", None)
                if raw is not None:
                    os.environ["CODEJAIL_WASM_SHADOW_SAMPLE_RATE"] = raw
                if raw == "junk":
                    with self.assertLogs("codejail_wasm.shadow", "ERROR"):
                        self.assertEqual(shadow.sample_rate(), expected)
                else:
                    self.assertEqual(shadow.sample_rate(), expected)

    def test_primary_service(self):
        with FakeService({SAFE: echo_service(extra={"svc": True})}) as fake:
            shadow.configure(legacy_safe_exec=legacy_fakes.legacy_safe_exec, primary="service")
            codejail_wasm.configure(url=fake.url)
            g = {"a": 1}
            result, warnings = self.run_logged(shadow.safe_exec, "b = 2", g)
        self.assertTrue(g["svc"])  # the service's globals were returned
        self.assertIn("differing=globals", warnings[0].getMessage())
        self.assertEqual(len(legacy_fakes.CALLS), 1)

    def test_primary_service_down_raises_typed(self):
        shadow.configure(legacy_safe_exec=legacy_fakes.legacy_safe_exec, primary="service")
        codejail_wasm.configure(url=closed_port_url())
        result, _warnings = self.run_logged(shadow.safe_exec, "b = 2", {})
        self.assertIsInstance(result, ServiceUnavailable)

    def test_new_style_legacy_callable(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url,
                                    CODEJAIL_WASM_SHADOW_LEGACY="tests.legacy_fakes.new_style_safe_exec")
            g = {"a": 1}
            _result, warnings = self.run_logged(shadow.safe_exec, "b = a", g)
        self.assertEqual(g["b"], 1)
        self.assertEqual(warnings, [])

    def test_codejail_safe_exec_in_shadow_mode(self):
        cj.configure("python", sys.executable)
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_MODE="shadow", CODEJAIL_WASM_SHADOW_LEGACY=LEGACY)
            g = {"a": 3}
            cse.safe_exec("b = a * a", g, slug="via-codejail")
        self.assertEqual(g["b"], 9)
        self.assertEqual(len(fake.requests), 1)
        self.assertEqual(legacy_fakes.CALLS[0][2], "via-codejail")

    def test_reentrant_legacy_does_not_recurse(self):
        cj.configure("python", sys.executable)
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_MODE="shadow",
                                    CODEJAIL_WASM_SHADOW_LEGACY="codejail.safe_exec.safe_exec")
            g = {"a": 3}
            with self.assertLogs("codejail_wasm.shadow", "WARNING"):
                cse.safe_exec("b = a + 1", g)
        self.assertEqual(g["b"], 4)
        self.assertEqual(len(fake.requests), 2)  # both arms ended at the service

    def test_local_legacy_jail_with_python_binary(self):
        with FakeService({SAFE: echo_service()}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_SHADOW_LEGACY_PYTHON=sys.executable)
            g = {"xs": [1, 2, 3]}
            _result, warnings = self.run_logged(shadow.safe_exec, "total = sum(xs)", g)
            self.assertEqual(g["total"], 6)
            self.assertEqual(warnings, [])
            result, warnings = self.run_logged(shadow.safe_exec, "1/0", {})
        self.assertIsInstance(result, SafeExecException)
        self.assertTrue(str(result).startswith("Couldn't execute jailed code: stdout: b''"))
        self.assertIn("ZeroDivisionError", str(result))
        self.assertEqual(warnings, [])

    def test_custom_normalizers(self):
        self.assertEqual(shadow.normalize("at /sandbox/run-17/x"), "at /sandbox/run-17/x")
        os.environ["CODEJAIL_WASM_SHADOW_NORMALIZERS"] = '[{"search": "run-[0-9]+", "replace": "run-N"}]'
        self.assertEqual(shadow.normalize("at /sandbox/run-17/x"), "at /sandbox/run-N/x")
        self.assertEqual(shadow.normalize('File "/tmp/codejail-Ab_1/jailed_code", line 3, in f'),
                         'File "jailed_code", line XXX, in f')
        self.assertEqual(shadow.normalize(b"/usr/lib/python3.11/x"), "/usr/lib/python3.XX/x")


class ShadowJailCodeTest(ShadowTestCase):

    def test_match(self):
        with FakeService({JAIL: jail_ok(b"hello\n")}) as fake:
            codejail_wasm.configure(url=fake.url,
                                    CODEJAIL_WASM_SHADOW_LEGACY_JAIL_CODE="tests.legacy_fakes.legacy_jail_code")
            result, warnings = self.run_logged(shadow.jail_code, "python", code="print('hello')")
        self.assertEqual(result.stdout, b"hello\n")
        self.assertEqual(warnings, [])

    def test_stdout_status_mismatch(self):
        with FakeService({JAIL: jail_ok(b"bye\n", status=1)}) as fake:
            codejail_wasm.configure(url=fake.url,
                                    CODEJAIL_WASM_SHADOW_LEGACY_JAIL_CODE="tests.legacy_fakes.legacy_jail_code")
            result, warnings = self.run_logged(shadow.jail_code, "python", code="print('hello')")
        self.assertEqual((result.status, result.stdout), (0, b"hello\n"))
        self.assertIn("differing=status,stdout", warnings[0].getMessage())

    def test_local_jail_vs_service_through_codejail(self):
        cj.configure("python", sys.executable)
        with FakeService({JAIL: jail_ok(b"['jailed_code', 'a1'] stdin-data\n")}) as fake:
            codejail_wasm.configure(url=fake.url, CODEJAIL_WASM_MODE="shadow")
            result, warnings = self.run_logged(
                cj.jail_code, "python", code="import sys; print(sys.argv, sys.stdin.read())",
                argv=["a1"], stdin="stdin-data")
        self.assertEqual(result.stdout, b"['jailed_code', 'a1'] stdin-data\n")
        self.assertIsNone(result.outcome)  # the local (legacy) result, not the service's
        self.assertEqual(warnings, [])
        body = fake.requests[0].json()
        self.assertEqual(body["argv"], ["a1"])
