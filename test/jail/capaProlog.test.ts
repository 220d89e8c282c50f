import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  ASSUMED_IMPORTS,
  CAPA_PROLOG_LINES,
  CODE_PROLOG,
  LAZYMOD_PY,
  LAZY_IMPORTS,
  buildCapaCode,
  formatCodeProlog,
  pythonSeedRepr,
} from "../../src/jail/capaProlog.js";

const PYTHON = "/usr/bin/python3";

/** The repository root: the nearest ancestor holding compat/random2.py. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "compat", "random2.py"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("repository root (compat/random2.py) not found");
    dir = up;
  }
}

const sha256 = (s: string): string => createHash("sha256").update(s, "utf8").digest("hex");
const lineCount = (s: string): number => s.split("\n").length - 1;

interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run capa's code for `script` natively, as codejail would: a file in a fresh directory. */
function runNatively(script: string, seed: number | bigint | null): RunResult {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), "capa-prolog-"));
  try {
    copyFileSync(join(root, "compat", "random2.py"), join(dir, "random2.py"));
    copyFileSync(join(root, "compat", "six.py"), join(dir, "six.py"));
    mkdirSync(join(dir, "tmp"));
    writeFileSync(join(dir, "jailed_code"), buildCapaCode(script, seed));
    try {
      const stdout = execFileSync(PYTHON, ["-E", "-B", "jailed_code"], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
      });
      return { status: 0, stdout, stderr: "" };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const havePython = existsSync(PYTHON);

test("seed is formatted like Python's %r of an int", () => {
  assert.equal(pythonSeedRepr(42), "42");
  assert.equal(pythonSeedRepr(0), "0");
  assert.equal(pythonSeedRepr(-0), "0");
  assert.equal(pythonSeedRepr(-17), "-17");
  assert.equal(pythonSeedRepr(Number.MAX_SAFE_INTEGER), "9007199254740991");
  assert.equal(pythonSeedRepr(2n ** 80n), "1208925819614629174706176");
  assert.equal(pythonSeedRepr(null), "None");
  assert.throws(() => pythonSeedRepr(1.5), RangeError);
  assert.throws(() => pythonSeedRepr(Number.NaN), RangeError);
  assert.throws(() => pythonSeedRepr(2 ** 60), RangeError);

  const prolog = formatCodeProlog(723);
  assert.ok(prolog.includes("\nrandom = random_module.Random(723)\n"));
  assert.ok(!prolog.includes("%r"));
  assert.equal(prolog, CODE_PROLOG.replace("%r", "723"));
  assert.ok(formatCodeProlog(-5).includes("random_module.Random(-5)\n"));
  assert.ok(formatCodeProlog(null).includes("random_module.Random(None)\n"));
  // Exactly one conversion in the prolog, and no other '%'.
  assert.equal(CODE_PROLOG.split("%").length, 2);
});

test("prolog text is capa's, byte for byte", () => {
  assert.equal(CODE_PROLOG.length, 1193);
  assert.equal(sha256(CODE_PROLOG), "ab9cdfd725822a880ff0761e9a230d8b7807d0c331aff89a09e8ca5ba536786d");
  assert.equal(LAZYMOD_PY.length, 1243);
  assert.equal(sha256(LAZYMOD_PY), "71f069def3612aa0fa4045509f967e4ed2e12ded8786870bb563acbf372c77e1");
  assert.equal(sha256(LAZY_IMPORTS), "77bbca62ea842acd78d1e4919dea52e5d18ec2fa64325c8e0f63e5f548b5ad5e");
  assert.ok(CODE_PROLOG.startsWith("from __future__ import absolute_import, division\n"));
  assert.ok(CODE_PROLOG.endsWith("sys.modules['random'] = random\n"));
  assert.ok(LAZY_IMPORTS.startsWith(LAZYMOD_PY));
  assert.ok(LAZY_IMPORTS.endsWith("miller = LazyModule('chem.miller')\ndraganddrop = LazyModule('verifiers.draganddrop')\n"));
  assert.deepEqual(
    ASSUMED_IMPORTS.map(([name]) => name),
    ["numpy", "math", "scipy", "calc", "eia", "chemcalc", "chemtools", "miller", "draganddrop"],
  );
  assert.ok(!/\r/.test(CODE_PROLOG + LAZY_IMPORTS));
});

test("an empty script leaves 81 lines: script line L is line L + 81", () => {
  assert.equal(lineCount(CODE_PROLOG), 29);
  assert.equal(lineCount(LAZYMOD_PY), 43);
  assert.equal(lineCount(LAZY_IMPORTS), 43 + 9);
  assert.equal(CAPA_PROLOG_LINES, 81);
  const empty = buildCapaCode("", 42);
  assert.equal(lineCount(empty), 81);
  assert.ok(empty.endsWith("\n"));
  const code = buildCapaCode("a = 1\nb = 2\n", 7);
  assert.equal(code.split("\n")[81 + 2 - 1], "b = 2");
  assert.equal(code, formatCodeProlog(7) + LAZY_IMPORTS + "a = 1\nb = 2\n");
});

test("runs natively: seeded random2 stands in for random", { skip: !havePython && `${PYTHON} missing` }, () => {
  const script = [
    "import json, os, sys",
    "import random as imported_random",
    "first = [random.randint(0, 20), random.randint(0, 20)]",
    "print(json.dumps({",
    "  'first': first,",
    "  'same_module': imported_random is random and sys.modules['random'] is random,",
    "  'classes': random.Random is random_module.Random and random.SystemRandom is random_module.SystemRandom,",
    "  'xrange': xrange is range,",
    "  'division': 1 / 2,",
    "  'tmpdir': os.environ['TMPDIR'] == os.getcwd() + '/tmp',",
    "  'mpl': os.environ['MPLCONFIGDIR'] == os.environ['TMPDIR'],",
    "  'openblas': os.environ['OPENBLAS_NUM_THREADS'],",
    "  'sqrt': math.sqrt(16),",
    "  'lazy_names': [type(m).__name__ for m in (numpy, scipy, calc, eia, chemcalc, chemtools, miller, draganddrop)],",
    "}))",
    "",
  ].join("\n");
  const r = runNatively(script, 42);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(out.first, [13, 0]);
  assert.equal(out.same_module, true);
  assert.equal(out.classes, true);
  assert.equal(out.xrange, true);
  assert.equal(out.division, 0.5);
  assert.equal(out.tmpdir, true);
  assert.equal(out.mpl, true);
  assert.equal(out.openblas, "1");
  assert.equal(out.sqrt, 4);
  assert.deepEqual(out.lazy_names, Array(8).fill("LazyModule"));

  const other = runNatively("print(random.randint(0, 20), random.randint(0, 20))\n", 43);
  assert.equal(other.status, 0, other.stderr);
  assert.notEqual(other.stdout.trim(), "13 0");
});

test("runs natively: a missing lazy module fails only when touched", { skip: !havePython && `${PYTHON} missing` }, () => {
  // Untouched, the missing edx-sandbox packages cost nothing.
  const ok = runNatively("x = 1\nprint('ok', x)\n", 1);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, "ok 1\n");

  // Touched: the import error surfaces from LazyModule._load_mod, and the
  // script's own line is reported as line L + 81.
  const calc = runNatively("x = 1\ny = calc.evaluator({}, {}, '1+1')\n", 1);
  assert.equal(calc.status, 1);
  assert.match(calc.stderr, /File "[^"]*jailed_code", line 83, in <module>\n/);
  assert.match(calc.stderr, /in __getattr__\n/);
  assert.match(calc.stderr, /in _load_mod\n/);
  assert.match(calc.stderr, /\nModuleNotFoundError: No module named 'calc'\n$/);

  const chem = runNatively("chemcalc.compare_chemical_expression('H2O', 'H2O')\n", 1);
  assert.equal(chem.status, 1);
  assert.match(chem.stderr, /File "[^"]*jailed_code", line 82, in <module>\n/);
  assert.match(chem.stderr, /\nModuleNotFoundError: No module named 'chem'\n$/);

  // numpy: whatever this machine has, the proxy behaves as capa's does.
  const np = runNatively("print(numpy.__name__)\n", 1);
  const hasNumpy = np.status === 0;
  if (hasNumpy) {
    assert.equal(np.stdout, "numpy\n");
  } else {
    assert.match(np.stderr, /\nModuleNotFoundError: No module named 'numpy'\n$/);
  }

  // A missing attribute of a present module becomes capa's AttributeError.
  const attr = runNatively("math.no_such_thing\n", 1);
  assert.equal(attr.status, 1);
  assert.match(attr.stderr, /\nAttributeError: 'module' object has no attribute 'no_such_thing'\n$/);
  assert.match(attr.stderr, /ModuleNotFoundError: No module named 'math.no_such_thing'; 'math' is not a package/);
});

test("runs natively: a syntax error in the script is reported at line L + 81", { skip: !havePython && `${PYTHON} missing` }, () => {
  const r = runNatively("a = 1\nb = 2\nc = (\n", 5);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /File "[^"]*jailed_code", line 84\n/);
  assert.match(r.stderr, /SyntaxError: /);
});
