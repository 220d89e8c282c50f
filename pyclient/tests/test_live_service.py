"""Integration tests against a real codejail-wasm service.

Skipped unless ``CODEJAIL_WASM_LIVE_URL`` is set, e.g.::

    CODEJAIL_WASM_LIVE_URL=http://127.0.0.1:8550 \\
        python3 -m unittest tests.test_live_service -v

Optional: ``CODEJAIL_WASM_LIVE_TOKEN`` (bearer token),
``CODEJAIL_WASM_LIVE_REALTIME`` / ``CODEJAIL_WASM_LIVE_CPU`` (limits, default 3).
"""

import importlib.util
import io
import json
import math
import os
import tempfile
import unittest
import zipfile

import codejail_wasm
from codejail import jail_code as cj
from codejail import safe_exec as cse
from codejail_wasm import client, remote_exec

from .base import ClientTestCase

LIVE_URL = os.environ.get("CODEJAIL_WASM_LIVE_URL")
LIVE_TOKEN = os.environ.get("CODEJAIL_WASM_LIVE_TOKEN")


def _number(text):
    value = float(text)
    return int(value) if value.is_integer() else value


REALTIME = _number(os.environ.get("CODEJAIL_WASM_LIVE_REALTIME", "3"))
CPU = _number(os.environ.get("CODEJAIL_WASM_LIVE_CPU", "3"))
HERE = os.path.dirname(os.path.abspath(__file__))

# capa's CODE_PROLOG (xblocks_contrib/problem/capa/safe_exec/safe_exec.py), verbatim.
CODE_PROLOG = """\
from __future__ import absolute_import, division

import os

# openblas is a math library used by numpy. It will try to allocate multiple
# threads by default, but this may exceed resource limits and cause a segfault.
# Limiting to 1 thread will prevent this in all configurations.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

# Any code that uses the tempfile module to create temporary files should use
# the ./tmp directory that codejail creates in each sandbox, rather than trying
# to use a global temp dir (which should be blocked by AppArmor anyhow).
# This is needed for matplotlib among other things.
#
# matplotlib will complain on stderr about the non-standard temp dir if we
# don't explicitly tell it "no really, use this". This pollutes the output
# when codejail returns an error message (which includes stderr). So we also
# set MPLCONFIGDIR as a special case.
os.environ["TMPDIR"] = os.getcwd() + "/tmp"
os.environ["MPLCONFIGDIR"] = os.environ["TMPDIR"]

import random2 as random_module
import sys
from six.moves import xrange

random = random_module.Random(%r)
random.Random = random_module.Random
random.SystemRandom = random_module.SystemRandom
sys.modules['random'] = random
"""

# capa's lazymod.py plus the ASSUMED_IMPORTS lines (LAZY_IMPORTS).
LAZY_IMPORTS = '''"""A module proxy for delayed importing of modules."""

import sys


class LazyModule:
    """A lazy module proxy."""

    def __init__(self, modname):
        self.__dict__["__name__"] = modname
        self._set_mod(None)

    def _set_mod(self, mod):
        if mod is not None:
            self.__dict__ = mod.__dict__
        self.__dict__["_lazymod_mod"] = mod

    def _load_mod(self):
        __import__(self.__name__)
        self._set_mod(sys.modules[self.__name__])

    def __getattr__(self, name):
        if self.__dict__["_lazymod_mod"] is None:
            self._load_mod()

        mod = self.__dict__["_lazymod_mod"]

        if hasattr(mod, name):
            return getattr(mod, name)
        else:
            try:
                subname = "%s.%s" % (self.__name__, name)
                __import__(subname)
                submod = getattr(mod, name)  # pylint: disable=unused-variable
            except ImportError as exc:
                raise AttributeError("'module' object has no attribute %r" % name) from exc
            self.__dict__[name] = LazyModule(subname)
            return self.__dict__[name]
''' + "".join("{} = LazyModule('{}')\n".format(name, modname) for name, modname in [
    ("numpy", "numpy"), ("math", "math"), ("scipy", "scipy"), ("calc", "calc"), ("eia", "eia"),
    ("chemcalc", "chem.chemcalc"), ("chemtools", "chem.chemtools"), ("miller", "chem.miller"),
    ("draganddrop", "verifiers.draganddrop"),
])


def make_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def local_random2():
    """The repository's random2 (compat/random2.py), to predict seeded values; None if absent."""
    path = os.path.join(HERE, "..", "..", "compat", "random2.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("_cjw_random2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@unittest.skipUnless(LIVE_URL, "set CODEJAIL_WASM_LIVE_URL to run against a real service")
class LiveServiceTest(ClientTestCase):

    def setUp(self):
        super().setUp()
        codejail_wasm.configure(url=LIVE_URL, token=LIVE_TOKEN, connect_timeout=2, read_timeout=REALTIME + 5)
        cj.configure("python", "/ignored/by/codejail-wasm/python")
        cj.set_limit("CPU", CPU)
        cj.set_limit("REALTIME", REALTIME)

    # -- health -----------------------------------------------------------
    def test_health(self):
        self.assertEqual(client.health().get("status"), "OK")

    # -- jail_code --------------------------------------------------------
    def test_jail_code_print(self):
        res = cj.jail_code("python", code="print('hello world')")
        self.assertEqual(res.status, 0, res.stderr)
        self.assertEqual(res.stdout, b"hello world\n")
        self.assertEqual(res.stderr, b"")
        self.assertIsInstance(res.stdout, bytes)
        self.assertIsInstance(res.status, int)

    def test_jail_code_stdin(self):
        res = cj.jail_code("python", code="import sys\nprint(sys.stdin.read().upper())", stdin="from stdin")
        self.assertEqual((res.status, res.stdout), (0, b"FROM STDIN\n"), res.stderr)

    def test_jail_code_unicode(self):
        res = cj.jail_code("python", code="import sys\nsys.stdout.buffer.write('\u2603'.encode('utf-8'))")
        self.assertEqual(res.stdout, "\u2603".encode("utf-8"), res.stderr)

    def test_jail_code_argv(self):
        res = cj.jail_code("python", code="import sys\nprint(sys.argv)", argv=["one", "two three"])
        self.assertEqual(res.stdout, b"['jailed_code', 'one', 'two three']\n", res.stderr)

    def test_jail_code_uncaught_exception(self):
        res = cj.jail_code("python", code="def f():\n    raise ValueError('bad value')\nf()\n")
        self.assertEqual(res.status, 1)
        self.assertEqual(res.stdout, b"")
        self.assertIn(b"Traceback (most recent call last):", res.stderr)
        self.assertTrue(res.stderr.rstrip().endswith(b"ValueError: bad value"), res.stderr)

    def test_jail_code_exit_status(self):
        res = cj.jail_code("python", code="import sys\nsys.exit(3)")
        self.assertEqual(res.status, 3)

    def test_jail_code_files_and_extra_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            pkg = os.path.join(tmp, "helperpkg")
            os.makedirs(pkg)
            with open(os.path.join(pkg, "__init__.py"), "w") as f:
                f.write("VALUE = 'from package'\n")
            res = cj.jail_code(
                "python",
                code="import helperpkg\nprint(helperpkg.VALUE)\nprint(open('data.bin','rb').read())",
                files=[pkg], extra_files=[("data.bin", b"\x00\x01x")],
            )
        self.assertEqual(res.stdout, b"from package\nb'\\x00\\x01x'\n", res.stderr)

    def test_jail_code_xqueue_watcher_style(self):
        with tempfile.TemporaryDirectory() as tmp:
            support = os.path.join(tmp, "grader_support")
            os.makedirs(support)
            with open(os.path.join(support, "__init__.py"), "w") as f:
                f.write("")
            with open(os.path.join(support, "run.py"), "w") as f:
                f.write("import sys, json\n"
                        "grader, submission, seed = sys.argv[1:4]\n"
                        "ns = {}\n"
                        "exec(open(submission).read(), ns)\n"
                        "print(json.dumps({'grader': grader, 'seed': seed, 'answer': ns['answer']}))\n")
            grader = os.path.join(tmp, "grader.py")
            with open(grader, "w") as f:
                f.write("# grader\n")
            res = cj.jail_code(
                "python", files=[support, grader],
                extra_files=[("submission.py", "answer = 6 * 7\n".encode("utf-8"))],
                argv=["-B", "-m", "grader_support.run", "grader.py", "submission.py", "1234"],
            )
        self.assertEqual(res.status, 0, res.stderr)
        self.assertEqual(json.loads(res.stdout), {"grader": "grader.py", "seed": "1234", "answer": 42})

    def test_jail_code_infinite_loop_is_stopped(self):
        cj.set_limit("CPU", 1)
        cj.set_limit("REALTIME", 1)
        res = cj.jail_code("python", code="while True:\n    pass\n")
        # codejail's statuses: SIGXCPU at the CPU limit, SIGKILL at the REALTIME limit.
        self.assertIn(res.status, (-24, -9))

    # -- safe_exec --------------------------------------------------------
    def test_safe_exec_globals_round_trip(self):
        g = {"a": 17, "s": "text", "l": [1, 2.5, None], "d": {"k": [True, False]}, "b": b"bytes",
             "big": 2 ** 80, "nan": float("nan"), "unsafe": object()}
        self.assertIsNone(cse.safe_exec("b2 = b + '!'\nx = a * 2\nl.append('more')\ninf = float('inf')", g))
        self.assertEqual(g["x"], 34)
        self.assertEqual(g["b2"], "bytes!")
        self.assertEqual(g["l"], [1, 2.5, None, "more"])
        self.assertEqual(g["d"], {"k": [True, False]})
        self.assertEqual(g["big"], 2 ** 80)
        self.assertTrue(math.isnan(g["nan"]))
        self.assertEqual(g["inf"], float("inf"))
        self.assertIn("unsafe", g)  # not JSON-safe: never sent, left alone

    def test_safe_exec_stdout_does_not_pollute(self):
        g = {}
        cse.safe_exec("print('noise')\nv = 1", g)
        self.assertEqual(g, {"v": 1})

    def test_safe_exec_exception_text(self):
        with self.assertRaises(cse.SafeExecException) as ctx:
            cse.safe_exec("a = 1\n1/0", {"a": 0})
        text = str(ctx.exception)
        self.assertTrue(text.startswith("Couldn't execute jailed code: stdout: b''"), text)
        self.assertIn(", stderr: b'Traceback (most recent call last):", text)
        self.assertIn("ZeroDivisionError: division by zero", text)
        self.assertTrue(text.endswith(" with status code: 1"), text)

    def test_safe_exec_python_path_zip_extra_file(self):
        zip_bytes = make_zip({"zipmod.py": "def f():\n    return 42\n"})
        g = {}
        cse.safe_exec("import zipmod\nr = zipmod.f()", g, python_path=["python_lib.zip"],
                      extra_files=[("python_lib.zip", zip_bytes)])
        self.assertEqual(g, {"r": 42})

    def test_safe_exec_python_path_zip_host_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "course_lib.zip")
            with open(path, "wb") as f:
                f.write(make_zip({"coursemod.py": "NAME = 'course'\n"}))
            g = {}
            cse.safe_exec("import coursemod\nn = coursemod.NAME", g, python_path=[path])
        self.assertEqual(g, {"n": "course"})

    def test_capa_path(self):
        seed = 1
        script = ("x = random.randint(1, 100)\n"
                  "y = random.choice(['a', 'b', 'c'])\n"
                  "root = math.sqrt(16)\n"
                  "half = 1 / 2\n"
                  "ans = x * 2\n"
                  "from mylib import double\n"
                  "doubled = double(n)\n")
        zip_bytes = make_zip({"mylib.py": "def double(v):\n    return v * 2\n"})
        globals_dict = {"n": 5, "expect": "stuff"}
        cse.safe_exec(CODE_PROLOG % seed + LAZY_IMPORTS + script, globals_dict,
                      python_path=["python_lib.zip"], extra_files=[("python_lib.zip", zip_bytes)],
                      limit_overrides_context="course-v1:edX+Demo+2025", slug="i4x-problem-1")
        self.assertEqual(globals_dict["root"], 4.0)
        self.assertEqual(globals_dict["half"], 0.5)
        self.assertEqual(globals_dict["doubled"], 10)
        self.assertEqual(globals_dict["ans"], globals_dict["x"] * 2)
        self.assertTrue(1 <= globals_dict["x"] <= 100)
        self.assertIn(globals_dict["y"], ["a", "b", "c"])
        random2 = local_random2()
        if random2 is not None:
            rnd = random2.Random(seed)
            self.assertEqual(globals_dict["x"], rnd.randint(1, 100))
            self.assertEqual(globals_dict["y"], rnd.choice(["a", "b", "c"]))
        for name in ("random", "numpy", "LazyModule", "os", "sys"):
            self.assertNotIn(name, globals_dict)  # not JSON-safe: dropped like codejail

    def test_capa_path_via_rest_v0(self):
        os.environ["CODE_JAIL_REST_SERVICE_HOST"] = LIVE_URL
        os.environ["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"] = str(REALTIME + 5)
        zip_bytes = make_zip({"mylib.py": "def double(v):\n    return v * 2\n"})
        globals_dict = {"n": 21}
        data = {
            "code": CODE_PROLOG % 7 + LAZY_IMPORTS + "from mylib import double\nans = double(n)\n",
            "globals_dict": globals_dict,
            "python_path": ["python_lib.zip"],
            "limit_overrides_context": None,
            "slug": "v0",
            "unsafely": False,
            "extra_files": [("python_lib.zip", zip_bytes)],
        }
        emsg, exc = remote_exec.send_safe_exec_request_v0(data)
        self.assertIsNone(emsg, emsg)
        self.assertIsNone(exc)
        self.assertEqual(globals_dict["ans"], 42)

        data = {"code": "1/0", "globals_dict": {}, "python_path": None, "limit_overrides_context": None,
                "slug": None, "unsafely": False, "extra_files": None}
        emsg, exc = remote_exec.send_safe_exec_request_v0(data)
        self.assertTrue(emsg.startswith("Couldn't execute jailed code: stdout: b''"), emsg)
        self.assertIsInstance(exc, cse.SafeExecException)
