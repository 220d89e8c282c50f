// The older image py311-sci-2026.1 (a course pins it) runs course code that uses its libraries, with the same
// answers as native Debian bookworm (python3-sympy, -mpmath, -networkx, -dateutil, -pyparsing);
// the capa prolog runs on both the base and the sci image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { buildCapaCode } from '../../src/jail/capaProlog.js';
import { loadImages, type LayeredImage } from '../../src/runtime/layeredImages.js';
import { assertSeededPerRun, nativePython, runCode, sameAsNative as sameAsNativeIn, startJail, text } from '../support/jail.js';
import { testRoot } from './helpers.js';

let images: Map<string, LayeredImage>;
let sci: Jail;
let base: Jail;
before(async () => {
  images = loadImages(undefined, { root: testRoot() });
  sci = await startJail({ workers: 2, image: images.get('py311-sci-2026.1')! });
  base = await startJail({ workers: 1, image: images.get('py311-base')! });
});
after(async () => {
  await sci?.close();
  await base?.close();
});

/** Run in the sci jail and natively; both must succeed with the same output. Limits well above
 * what the work needs: a loaded machine must not turn an answer into the watchdog's -9 (the
 * limits' own tests are elsewhere). */
const sameAsNative = (code: string): Promise<string> =>
  sameAsNativeIn(sci, code, " (are Debian's python3-sympy & co installed?)", { CPU: 30, REALTIME: 60 });

test('sympy solves an equation as native Debian sympy does', async () => {
  const out = await sameAsNative([
    'from sympy import symbols, solve, Eq, Rational, integrate, sin, sqrt, simplify, factor, N',
    'x, y = symbols("x y")',
    'print(solve(x**2 - 2*x - 5, x))',
    'print(solve(Eq(Rational(3, 4)*x + Rational(1, 2), 2), x))',
    'print(solve([x + y - 10, x - y - 2], [x, y]))',
    'print(integrate(x*sin(x), x))',
    'print(factor(x**3 - 6*x**2 + 11*x - 6), N(sqrt(2), 30))',
  ].join('\n'));
  assert.match(out, /^\[1 - sqrt\(6\), 1 \+ sqrt\(6\)\]\n\[2\]\n\{x: 6, y: 4\}\n/);
});

test('networkx shortest paths (pure Python, without scipy)', async () => {
  const out = await sameAsNative([
    'import sys, networkx as nx',
    'G = nx.Graph()',
    'G.add_weighted_edges_from([("a","b",4),("a","c",1),("c","b",2),("b","d",5),("c","d",8),("d","e",3)])',
    'print(nx.shortest_path(G, "a", "e", weight="weight"), nx.shortest_path_length(G, "a", "e", weight="weight"))',
    'print(nx.shortest_path(G, "a", "e"), [sorted(c) for c in nx.connected_components(G)])',
    'print(nx.__version__, "scipy" in sys.modules)',
  ].join('\n'));
  assert.equal(out.split('\n')[0], "['a', 'c', 'b', 'd', 'e'] 11");
});

test('dateutil parsing and relative deltas', async () => {
  const out = await sameAsNative([
    'from dateutil import parser',
    'from dateutil.relativedelta import relativedelta',
    'from dateutil.tz import tzoffset, tzutc',
    'd = parser.parse("2026-01-15T10:30:00+01:00")',
    'print(repr(d), d.utcoffset())',
    'print(parser.parse("March 3rd, 2026 4:05pm", default=d.replace(tzinfo=None)))',
    'print(d + relativedelta(months=+1, weekday=4), parser.isoparse("2026-02-28T23:59:59Z"))',
    'print(parser.parse("Sat, 01 Feb 2025 10:00:00 GMT").astimezone(tzoffset("X", 3600)))',
  ].join('\n'));
  assert.match(out, /^datetime\.datetime\(2026, 1, 15, 10, 30, tzinfo=tzoffset\(None, 3600\)\) 1:00:00\n/);
});

test('pyparsing grammars', async () => {
  await sameAsNative([
    'import pyparsing as pp',
    'integer = pp.pyparsing_common.signed_integer',
    'ident = pp.Word(pp.alphas, pp.alphanums + "_")',
    'expr = pp.infix_notation(integer | ident, [(pp.one_of("* /"), 2, pp.OpAssoc.LEFT), (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT)])',
    'print(expr.parse_string("3 + x * (4 - -2) / y", parse_all=True).as_list())',
    'print(pp.__version__)',
    'try:\n    expr.parse_string("3 + * 4", parse_all=True)\nexcept pp.ParseException as e:\n    print("error:", e)',
  ].join('\n'));
});

test('distribution metadata is visible to importlib.metadata', async () => {
  const r = await runCode(sci, [
    'from importlib.metadata import version',
    'print([version(d) for d in ("sympy", "networkx", "pyparsing", "python-dateutil")])',
  ].join('\n'));
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), "['1.11.1', '2.8.8', '3.0.9', '2.8.2']\n");
});

test('tracebacks through a layer name the Debian paths and lines of a native run', async () => {
  const code = 'import networkx as nx\nnx.shortest_path(nx.Graph([(1, 2)]), 1, 5)\n';
  const frames = (s: string) => s.split('\n').filter((l) => l.includes('/usr/lib/python3/dist-packages/'));
  const native = nativePython(code);
  const r = await runCode(sci, code);
  assert.equal(r.status, 1);
  assert.ok(frames(native.stderr).length >= 1, native.stderr);
  assert.deepEqual(frames(text(r.stderr)), frames(native.stderr));
  assert.equal(text(r.stderr).trim().split('\n').pop(), native.stderr.trim().split('\n').pop());
});

test('the base image has no sympy; the sci image has it preloaded', async () => {
  // Preloaded in the snapshot, yet not in sys.modules before the program imports it, as in a
  // native run (test/compat/sysModules.test.ts); importCost.test.ts shows the import is the warm one.
  const probe = 'import sys\nprint("sympy" in sys.modules)\nimport sympy\nprint(sympy.__version__)\n';
  const native = await sameAsNative(probe);
  const b = await runCode(base, probe);
  assert.equal(b.status, 1);
  assert.match(text(b.stderr), /ModuleNotFoundError: No module named 'sympy'/);
  assert.equal(text(b.stdout), native.split('\n')[0] + '\n');
});

/** capa's code run natively as codejail does: a file in a directory with random2.py and six.py. */
function capaNative(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cj-capa-'));
  try {
    for (const f of ['random2.py', 'six.py']) copyFileSync(join(testRoot(), 'compat', f), join(dir, f));
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'jailed_code'), code);
    const r = spawnSync('/usr/bin/python3', ['-E', '-B', 'jailed_code'], { cwd: dir, encoding: 'utf8', env: { LANG: 'C.UTF-8' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the capa prolog runs on each image (seeded random2, lazy imports, libraries)', async () => {
  const common = [
    'a = random.randint(1, 100)',
    'b = [random.choice("abcdef") for _ in xrange(5)]',
    'print(a, b, math.sqrt(16), type(random).__name__)',
  ].join('\n');
  const withSympy = common + '\nimport sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x**2 - a, x))\n';
  for (const [jail, script] of [[base, common], [sci, common], [sci, withSympy]] as const) {
    const code = buildCapaCode(script + '\n', 20260115);
    const r = await runCode(jail, code);
    assert.equal(r.status, 0, text(r.stderr));
    assert.equal(text(r.stdout), capaNative(code));
  }
});

test("support_numpy_1.24's_global_generator_is_seeded_from_the_run_when_it_imports_numpy", async () => {
  // As on the default image: numpy.random's global RandomState, made at import from fresh OS
  // entropy natively, is made again from the run's randomness when the run is handed numpy.
  await assertSeededPerRun((code, seed) => runCode(sci, code, { CPU: 30, REALTIME: 60 }, seed === undefined ? {} : { seed }), [
    'import numpy as np\nprint(np.random.rand(), np.random.randint(2**31), np.random.normal())',
  ]);
});
