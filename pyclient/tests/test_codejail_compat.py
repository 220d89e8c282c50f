"""The ``codejail`` package: codejail's API on top of the service."""

import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
import types
from unittest import mock

import codejail_wasm
from codejail import jail_code as cj
from codejail import safe_exec as cse
from codejail_wasm.exceptions import ServiceUnavailable

from .base import ClientTestCase
from .fakeserver import FakeService, closed_port_url, jail_ok, reply


class ImportsTest(ClientTestCase):

    def test_public_names(self):
        # pylint: disable=unused-import
        from codejail.safe_exec import safe_exec, json_safe, SafeExecException, not_safe_exec  # noqa: F401
        from codejail.safe_exec import ALWAYS_BE_UNSAFE, LOG_ALL_CODE  # noqa: F401
        from codejail.jail_code import (  # noqa: F401
            configure, is_configured, set_limit, get_effective_limits, override_limit, jail_code,
            JailResult, LIMITS, DEFAULT_LIMITS, LIMIT_OVERRIDES, COMMANDS, create_rlimits,
        )
        from codejail.django_integration_utils import apply_django_settings  # noqa: F401
        from codejail.exceptions import SafeExecException as E2, CodeJailException, JailError  # noqa: F401
        from codejail.util import temp_directory, change_directory  # noqa: F401
        from codejail.subproc import run_subprocess, log as subproc_log  # noqa: F401
        from codejail.proxy import run_subprocess_through_proxy, PROXY_PROCESS, get_proxy, proxy_main  # noqa: F401
        import codejail.proxy_main  # noqa: F401
        self.assertIs(SafeExecException, E2)
        self.assertIs(SafeExecException, codejail_wasm.SafeExecException)
        self.assertTrue(issubclass(SafeExecException, Exception))
        self.assertIs(subproc_log, logging.getLogger("codejail"))

    def test_only_django_integration_imports_django(self):
        # As in codejail: django_integration needs Django, the rest of the package does not.
        code = ("import sys\nimport codejail.jail_code, codejail.safe_exec, codejail.proxy, "
                "codejail.django_integration_utils, codejail_wasm.shadow, codejail_wasm.remote_exec\n"
                "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)")
        subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(os.path.dirname(__file__)))

    def test_codejail_wasm_never_imports_codejail(self):
        # One direction only: the codejail facade uses codejail_wasm, never the reverse.
        import ast
        root = os.path.join(os.path.dirname(os.path.dirname(__file__)), "codejail_wasm")
        for name in sorted(os.listdir(root)):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    targets = [node.module or ""]
                else:
                    continue
                for target in targets:
                    self.assertNotEqual(target.split(".")[0], "codejail", "%s imports %s" % (name, target))

    def test_no_import_cycle_between_modules(self):
        # Every import counts, function-level ones too: a cycle they hide is still a cycle.
        import ast
        top = os.path.dirname(os.path.dirname(__file__))
        modules = {}
        for package in ("codejail", "codejail_wasm"):
            for name in os.listdir(os.path.join(top, package)):
                if name.endswith(".py"):
                    module = package if name == "__init__.py" else "%s.%s" % (package, name[:-3])
                    modules[module] = os.path.join(top, package, name)
        imports = {m: set() for m in modules}
        for module, path in modules.items():
            package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imports[module] |= {a.name for a in node.names if a.name in modules}
                elif isinstance(node, ast.ImportFrom):
                    self.assertLessEqual(node.level, 1, "%s: only '.' relative imports are expected" % module)
                    base = ".".join(filter(None, [package if node.level else "", node.module or ""]))
                    named = {"%s.%s" % (base, a.name) for a in node.names} & set(modules)
                    imports[module] |= named or ({base} & set(modules))
            # A submodule's own package is always imported first: not an edge of a cycle.
            imports[module] -= {module, module.split(".")[0]}

        def reaches(start, goal):
            seen, todo = set(), [start]
            while todo:
                for nxt in imports[todo.pop()] - seen:
                    if nxt == goal:
                        return True
                    seen.add(nxt)
                    todo.append(nxt)
            return False

        self.assertIn("codejail_wasm.client", imports["codejail.jail_code"])
        self.assertEqual([m for m in sorted(modules) if reaches(m, m)], [])

    def test_default_limits(self):
        self.assertEqual(cj.DEFAULT_LIMITS, {"CPU": 1, "REALTIME": 1, "VMEM": 0, "FSIZE": 0, "NPROC": 15,
                                             "PROXY": None})


class ConfigureTest(ClientTestCase):

    def test_configure_records_command(self):
        self.assertFalse(cj.is_configured("python"))
        cj.configure("python", "/usr/bin/python3", user="sandbox")
        self.assertTrue(cj.is_configured("python"))
        self.assertEqual(cj.COMMANDS["python"], {"cmdline_start": ["/usr/bin/python3", "-E", "-B"],
                                                 "user": "sandbox"})
        cj.configure("node", "/usr/bin/node")
        self.assertEqual(cj.COMMANDS["node"], {"cmdline_start": ["/usr/bin/node"], "user": None})

    def test_unconfigured_raises_like_codejail(self):
        with self.assertRaises(Exception) as ctx:
            cj.jail_code("python", code="print(1)")
        self.assertEqual(str(ctx.exception), "jail_code needs to be configured for 'python'")
        self.assertIs(type(ctx.exception), Exception)

    def test_limits(self):
        cj.set_limit("CPU", 3)
        self.assertEqual(cj.LIMITS["CPU"], 3)
        self.assertEqual(cj.get_effective_limits()["CPU"], 3)
        cj.override_limit("CPU", 10, "course-a")
        cj.override_limit("VMEM", 1 << 30, "course-a")
        self.assertEqual(cj.LIMIT_OVERRIDES, {"course-a": {"CPU": 10, "VMEM": 1 << 30}})
        eff = cj.get_effective_limits("course-a")
        self.assertEqual((eff["CPU"], eff["VMEM"], eff["REALTIME"]), (10, 1 << 30, 1))
        self.assertEqual(cj.get_effective_limits("other")["CPU"], 3)
        self.assertEqual(cj.get_effective_limits(None)["CPU"], 3)
        self.assertIsNot(cj.get_effective_limits(), cj.LIMITS)

    def test_proxy_override_refused(self):
        with self.assertLogs("codejail", "ERROR"):
            cj.override_limit("PROXY", 1, "course-a")
        self.assertEqual(cj.LIMIT_OVERRIDES, {})
        cj.override_limit("PROXY", None, "course-a")  # same as global: accepted
        self.assertEqual(cj.LIMIT_OVERRIDES, {"course-a": {"PROXY": None}})

    def test_service_command_mapping(self):
        cj.configure("other-python", "/venvs/sandbox2/bin/python")
        cj.configure("node", "/usr/bin/node")
        self.assertEqual(cj.service_command("python"), "python")
        self.assertEqual(cj.service_command("other-python"), "python")
        self.assertEqual(cj.service_command("node"), "node")
        codejail_wasm.configure(CODEJAIL_WASM_COMMAND_MAP={"node": "python"})
        self.assertEqual(cj.service_command("node"), "python")


class JailCodeTest(ClientTestCase):

    def test_jail_code_through_service(self):
        cj.configure("python", "/ignored/python")
        cj.set_limit("REALTIME", 2)
        cj.override_limit("CPU", 4, "course")
        with FakeService({("POST", "/api/v1/jail_code"): jail_ok(b"out", b"", 0)}) as fake:
            codejail_wasm.configure(url=fake.url)
            res = cj.jail_code("python", code="print('out')", argv=["x"], stdin="abc",
                               limit_overrides_context="course", slug="problem-1")
        self.assertIsInstance(res, cj.JailResult)
        self.assertEqual((res.status, res.stdout, res.stderr), (0, b"out", b""))
        body = fake.requests[0].json()
        self.assertEqual(body["limits"], {"CPU": 4, "REALTIME": 2, "VMEM": 0, "FSIZE": 0, "NPROC": 15,
                                          "PROXY": None})
        self.assertEqual(body["command"], "python")

    def test_xqueue_watcher_style_call(self):
        cj.configure("other-python", "/sandbox/bin/python", user="sandbox")
        with tempfile.TemporaryDirectory() as tmp:
            support = os.path.join(tmp, "grader_support")
            os.makedirs(support)
            with open(os.path.join(support, "run.py"), "wb") as f:
                f.write(b"print('run')")
            grader = os.path.join(tmp, "grader.py")
            with open(grader, "wb") as f:
                f.write(b"G")
            with FakeService({("POST", "/api/v1/jail_code"): jail_ok(b'{"score": 1}')}) as fake:
                codejail_wasm.configure(url=fake.url)
                res = cj.jail_code("other-python", files=[support, grader],
                                   extra_files=[("submission.py", "x = 1".encode("utf-8"))],
                                   argv=["-m", "grader_support.run", "grader.py", "submission.py", 42])
        self.assertEqual(res.stdout, b'{"score": 1}')
        body = fake.requests[0].json()
        self.assertEqual(body["command"], "python")
        self.assertIsNone(body["code"])
        self.assertEqual(body["argv"], ["-m", "grader_support.run", "grader.py", "submission.py", "42"])
        self.assertEqual(sorted(f["path"] for f in body["files"]), ["grader.py", "grader_support/run.py"])

    def test_service_down_is_typed(self):
        cj.configure("python", "/ignored/python")
        codejail_wasm.configure(url=closed_port_url())
        with self.assertRaises(ServiceUnavailable):
            cj.jail_code("python", code="1")


class SafeExecTest(ClientTestCase):

    def setUp(self):
        super().setUp()
        cj.configure("python", "python")

    def test_mutates_globals_and_returns_none(self):
        answer = reply(200, {"globals_dict": {"a": 1, "b": [1, 2]}, "status": 0, "outcome": "complete"})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            g = {"a": 1, "keep": object()}
            self.assertIsNone(cse.safe_exec("b = [1, 2]", g))
        self.assertEqual(g["b"], [1, 2])
        self.assertIn("keep", g)

    def test_unconfigured_raises_like_codejail(self):
        cj.COMMANDS.clear()
        with FakeService({}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(RuntimeError) as ctx:
                cse.safe_exec("r = 2", {})
        self.assertEqual(str(ctx.exception), "safe_exec has not been configured for Python")
        self.assertEqual(fake.requests, [])

    def test_corrupted_stdout_raises_json_decode_error(self):
        answer = reply(200, {"emsg": "no globals", "status": 0, "stdout_b64": "", "stderr_b64": ""})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            with self.assertRaises(json.JSONDecodeError):
                cse.safe_exec("import sys; sys.exit(0)", {})

    def test_exception_text(self):
        emsg = ("Couldn't execute jailed code: stdout: b'', stderr: b'Traceback (most recent call last):\\n"
                "  File \"jailed_code\", line 19, in <module>\\n    exec(code, g_dict)\\n  File \"<string>\", "
                "line 1, in <module>\\nValueError: no\\n' with status code: 1")
        stderr = (b"Traceback (most recent call last):\n  File \"jailed_code\", line 19, in <module>\n"
                  b"    exec(code, g_dict)\n  File \"<string>\", line 1, in <module>\nValueError: no\n")
        answer = reply(200, {"emsg": emsg, "status": 1, "stdout_b64": "",
                             "stderr_b64": base64.b64encode(stderr).decode()})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            g = {"x": 1}
            with self.assertRaises(cse.SafeExecException) as ctx:
                cse.safe_exec("raise ValueError('no')", g)
        self.assertEqual(str(ctx.exception), emsg)
        self.assertEqual(g, {"x": 1})

    def test_sends_effective_limits(self):
        cj.override_limit("REALTIME", 7, "course-b")
        answer = reply(200, {"globals_dict": {}, "status": 0})
        with FakeService({("POST", "/api/v1/safe_exec"): answer}) as fake:
            codejail_wasm.configure(url=fake.url)
            cse.safe_exec("1", {}, limit_overrides_context="course-b", slug="p")
        body = fake.requests[0].json()
        self.assertEqual(body["limits"]["REALTIME"], 7)
        self.assertEqual(body["limit_overrides_context"], "course-b")

    def test_logs_the_run_as_codejail_does(self):
        # codejail 4.1.1's jail_code logs this record before a run; its safe_exec runs through
        # jail_code, so a safe_exec logs it once too.
        cj.override_limit("REALTIME", 7, "course-b")
        expected = ("Preparing to execute jailed code 'p' (overrides context = 'course-b', resource limits = %r)."
                    % cj.get_effective_limits("course-b"))
        answers = {("POST", "/api/v1/safe_exec"): reply(200, {"globals_dict": {}, "status": 0}),
                   ("POST", "/api/v1/jail_code"): jail_ok(b"", b"", 0)}
        with FakeService(answers) as fake:
            codejail_wasm.configure(url=fake.url)
            for run in (lambda: cse.safe_exec("1", {}, limit_overrides_context="course-b", slug="p"),
                        lambda: cj.jail_code("python", code="1", limit_overrides_context="course-b", slug="p")):
                with self.assertLogs("codejail", "INFO") as logs:
                    run()
                self.assertEqual([m for m in logs.output if "Preparing" in m], ["INFO:codejail:" + expected])

    def test_always_be_unsafe(self):
        with mock.patch.object(cse, "ALWAYS_BE_UNSAFE", True):
            g = {"a": 2}
            with self.assertLogs("codejail", "WARNING"):
                cse.safe_exec("b = a * 3", g, slug="dbg")
        self.assertEqual(g["b"], 6)


class NotSafeExecTest(ClientTestCase):

    def test_basic(self):
        g = {"a": 17, "bad": object()}
        self.assertIsNone(cse.not_safe_exec("b = a + 1\nc = open", g))
        self.assertEqual(g["b"], 18)
        self.assertNotIn("c", g)  # not JSON-safe: dropped by json_safe
        self.assertIn("bad", g)   # untouched

    def test_exception(self):
        with self.assertRaises(cse.SafeExecException) as ctx:
            cse.not_safe_exec("1/0", {})
        self.assertEqual(str(ctx.exception), "ZeroDivisionError: division by zero")

    def test_files_extra_files_python_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "data.txt")
            with open(src, "w") as f:
                f.write("from file")
            libdir = os.path.join(tmp, "lib")
            os.makedirs(libdir)
            with open(os.path.join(libdir, "cj_test_helper_mod.py"), "w") as f:
                f.write("VALUE = 42\n")
            saved_path = list(sys.path)
            try:
                g = {}
                cse.not_safe_exec(
                    "import cj_test_helper_mod\nv = cj_test_helper_mod.VALUE\n"
                    "with open('data.txt') as f1:\n    d = f1.read()\n"
                    "with open('extra.bin', 'rb') as f2:\n    e = f2.read().decode()\n"
                    "del f1, f2",
                    g, files=[src], python_path=[libdir], extra_files=[("extra.bin", b"xtra")],
                )
            finally:
                sys.path[:] = saved_path
                sys.modules.pop("cj_test_helper_mod", None)
        self.assertEqual(g, {"v": 42, "d": "from file", "e": "xtra"})


class JsonSafeTest(ClientTestCase):
    """codejail's json_safe behaviour (cases from codejail's test_json_safe)."""

    def test_types(self):
        out = cse.json_safe({"i": 1, "f": 1.5, "s": "x", "n": None, "l": [1, "a"], "t": (1, 2),
                             "d": {"k": (3,)}, "b": b"bytes", "bl": [b"a", (b"b",)], "o": object(),
                             "fn": len, "__builtins__": {"x": 1}, "set": {1}})
        self.assertEqual(out, {"i": 1, "f": 1.5, "s": "x", "n": None, "l": [1, "a"], "t": [1, 2],
                               "d": {"k": [3]}, "b": "bytes", "bl": ["a", ["b"]]})

    def test_bad_bytes_and_unjsonable_members_dropped(self):
        out = cse.json_safe({"bad": b"\xff\xfe", "nested": [object()], "ok": 1,
                             "dk": {(1, 2): 3}})
        self.assertEqual(out, {"ok": 1})

    def test_keys_are_strings_after_round_trip(self):
        self.assertEqual(cse.json_safe({1: "a", b"k": "b"}), {"1": "a", "k": "b"})

    def test_bool_and_nan(self):
        out = cse.json_safe({"t": True, "nan": float("nan")})
        self.assertIs(out["t"], True)
        self.assertNotEqual(out["nan"], out["nan"])

    def test_unicode(self):
        self.assertEqual(cse.json_safe({"u": "\u2603", "ub": "\u2603".encode("utf-8")}),
                         {"u": "\u2603", "ub": "\u2603"})


class DjangoIntegrationTest(ClientTestCase):

    def fake_django(self, code_jail):
        class MiddlewareNotUsed(Exception):
            pass

        django = types.ModuleType("django")
        conf = types.ModuleType("django.conf")
        conf.settings = types.SimpleNamespace(CODE_JAIL=code_jail, configured=True)
        core = types.ModuleType("django.core")
        exceptions = types.ModuleType("django.core.exceptions")
        exceptions.MiddlewareNotUsed = MiddlewareNotUsed
        django.conf, django.core, core.exceptions = conf, core, exceptions
        utils = types.ModuleType("django.utils")
        deprecation = types.ModuleType("django.utils.deprecation")

        class MiddlewareMixin:
            def __init__(self, get_response):
                self.get_response = get_response

        deprecation.MiddlewareMixin = MiddlewareMixin
        django.utils, utils.deprecation = utils, deprecation
        modules = {"django": django, "django.conf": conf, "django.core": core,
                   "django.core.exceptions": exceptions, "django.utils": utils,
                   "django.utils.deprecation": deprecation}
        return modules, MiddlewareNotUsed

    def test_middleware_applies_settings(self):
        modules, not_used = self.fake_django({
            "python_bin": "/edx/app/edxapp/venvs/edxapp-sandbox/bin/python",
            "user": "sandbox",
            "limits": {"CPU": 3, "VMEM": 1 << 29, "REALTIME": 3, "PROXY": 0},
            "limit_overrides": {"course-v1:a+b+c": {"CPU": 10, "REALTIME": 10}},
        })
        with mock.patch.dict(sys.modules, modules):
            sys.modules.pop("codejail.django_integration", None)
            from codejail.django_integration import ConfigureCodeJailMiddleware
            with self.assertRaises(not_used):
                ConfigureCodeJailMiddleware(lambda request: None)
        self.assertTrue(cj.is_configured("python"))
        self.assertEqual(cj.COMMANDS["python"]["user"], "sandbox")
        self.assertEqual(cj.LIMITS["CPU"], 3)
        self.assertEqual(cj.LIMITS["PROXY"], 0)
        self.assertEqual(cj.get_effective_limits("course-v1:a+b+c")["REALTIME"], 10)

    def test_apply_settings_without_python_bin(self):
        from codejail.django_integration_utils import apply_django_settings

        apply_django_settings({"limits": {"CPU": 2}})
        self.assertFalse(cj.is_configured("python"))
        self.assertEqual(cj.LIMITS["CPU"], 2)

    def test_python_bin_requires_user_key(self):
        from codejail.django_integration_utils import apply_django_settings

        with self.assertRaises(KeyError):
            apply_django_settings({"python_bin": "/x/python"})
