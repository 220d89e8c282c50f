// What the driver skips on the request path (compat/_cj_driver.py) must not change what a
// program sees: the environment is the request's whether or not it equals the snapshot's; the
// base path's library finders, which answer names their listing lacks at once, find and miss
// exactly what a FileFinder finds and misses, also after importlib.invalidate_caches(); so do
// the finders of a run's own directories, which skip FileFinder's loop over suffixes; and
// a warm import whose closure the snapshot keeps brings in what the walk at run time brings in,
// in the same order.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import type { PythonInstance, Snapshot } from '../../src/sandbox/PythonInstance.js';
import { SANDBOX_ENVIRONMENT } from '../../src/jail/jailRun.js';
import type { CodejailLimits } from '../../src/jail/types.js';
import { pythonRun, warmInstance } from '../support/warmInstance.js';

let instance: PythonInstance;
let snapshot: Snapshot;

before(async () => {
  ({ instance, snapshot } = await warmInstance(loadBaseImage()));
});

function run(code: string, env?: Record<string, string>, limits: Partial<CodejailLimits> = {}): { status: number; out: string; err: string } {
  const req = pythonRun(code, { CPU: 10, REALTIME: 60, ...limits });
  if (env) req.env = env;
  const r = instance.run(req, { deterministicClock: true });
  instance.restore(snapshot);
  return { status: r.status, out: Buffer.from(r.stdout).toString('utf8'), err: Buffer.from(r.stderr).toString('utf8') };
}

const SHOW_ENV = 'import os, json\nprint(json.dumps(list(os.environ.items())))';
const shown = (r: { out: string }): [string, string][] => JSON.parse(r.out) as [string, string][];

test('support_environment: each run has its own request environment, in order, whatever ran before', () => {
  const standard = [...Object.entries(SANDBOX_ENVIRONMENT), ['LC_CTYPE', 'C.UTF-8']];
  assert.deepEqual(shown(run(SHOW_ENV)), standard);
  // Another environment: nothing of the snapshot's is left, the locale is coerced as natively.
  assert.deepEqual(shown(run(SHOW_ENV, { B: '2', A: '1' })), [['B', '2'], ['A', '1'], ['LC_CTYPE', 'C.UTF-8']]);
  assert.deepEqual(shown(run(SHOW_ENV, { LANG: 'C', LC_CTYPE: '' })), [['LANG', 'C'], ['LC_CTYPE', '']]);
  assert.deepEqual(shown(run(SHOW_ENV, { LC_CTYPE: '' })), [['LC_CTYPE', 'C.UTF-8']]);
  // The same keys in another order are another environment.
  const reordered = Object.fromEntries(Object.entries(SANDBOX_ENVIRONMENT).reverse());
  assert.deepEqual(shown(run(SHOW_ENV, reordered)), [...Object.entries(reordered), ['LC_CTYPE', 'C.UTF-8']]);
  // A program that changes its environment leaves nothing to the next run.
  assert.equal(run('import os\nos.environ["LEAK"] = "1"\nos.environ.pop("PATH")\nos.putenv("RAW", "2")').status, 0);
  assert.deepEqual(shown(run(SHOW_ENV)), standard);
  assert.equal(run('import os\nprint(os.getenv("RAW"), os.getenv("LEAK"))').out, 'None None\n');
});

test('support_import: the library finders find and miss as FileFinder does, also after invalidate_caches()', () => {
  const r = run([
    'import importlib, importlib.machinery, sys',
    'def tries(name):',
    '    try:',
    '        __import__(name)',
    '        return "ok"',
    '    except ImportError as e:',
    '        return "%s: %s %r" % (type(e).__name__, e, e.name)',
    'print(tries("simplejson"))',
    'print(tries("colorsys"), tries("xml.dom.minidom"), tries("email.mime.text"), tries("six"))',
    'print(tries("json.nothere"), tries("nothere.sub"))',
    '# the stdlib\'s finders are FileFinders, as natively',
    'print(all(isinstance(sys.path_importer_cache[p], importlib.machinery.FileFinder) for p in sys.path[2:4]))',
    'importlib.invalidate_caches()',
    'print(tries("simplejson"), tries("wave"))',
    'spec = sys.path_importer_cache[sys.path[2]].find_spec("colorsys")',
    'print(spec.origin)',
  ].join('\n'));
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, [
    "ModuleNotFoundError: No module named 'simplejson' 'simplejson'",
    'ok ok ok ok',
    "ModuleNotFoundError: No module named 'json.nothere' 'json.nothere' ModuleNotFoundError: No module named 'nothere' 'nothere'",
    'True',
    "ModuleNotFoundError: No module named 'simplejson' 'simplejson' ok",
    '/usr/lib/python3.11/colorsys.py',
    '',
  ].join('\n'));
});

test("support_import: a run's own directories find and miss as FileFinder does, files and packages it writes included", () => {
  const r = run([
    'import importlib, importlib.machinery, os, sys, tempfile',
    'def tries(name):',
    '    try:',
    '        m = __import__(name, fromlist=["x"])',
    '        return "ok %s" % os.path.basename(m.__file__ or "-")',
    '    except ImportError as e:',
    '        return "%s: %s %r" % (type(e).__name__, e, e.name)',
    'def write(path, text=""):',
    '    with open(path, "w") as f:',
    '        f.write(text)',
    'd = tempfile.mkdtemp()',
    'sys.path.insert(0, d)',
    'print(tries("runmod"), tries("runpkg"))',
    'finder = sys.path_importer_cache[d]',
    '# a FileFinder, made by the hook natively last on sys.path_hooks',
    'print(isinstance(finder, importlib.machinery.FileFinder), sys.path_hooks[-1].__qualname__)',
    'write(os.path.join(d, "runmod.py"), "X = 1\\n")',
    'os.mkdir(os.path.join(d, "runpkg"))',
    'write(os.path.join(d, "runpkg", "__init__.py"))',
    'write(os.path.join(d, "runpkg", "sub.py"))',
    'importlib.invalidate_caches()',
    'print(tries("runmod"), tries("runpkg"), tries("runpkg.sub"), tries("runpkg.missing"))',
    'os.mkdir(os.path.join(d, "nspkg"))',
    'write(os.path.join(d, "nspkg", "leaf.py"))',
    '# no invalidate_caches(): the directory\'s new mtime tells the finder',
    'print(tries("nspkg.leaf"), tries("nspkg"))',
    'print(finder.find_spec("runmod").origin == os.path.join(d, "runmod.py"), finder.find_spec("absent"))',
  ].join('\n'), undefined, { FSIZE: 1000 });
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, [
    "ModuleNotFoundError: No module named 'runmod' 'runmod' ModuleNotFoundError: No module named 'runpkg' 'runpkg'",
    'True FileFinder.path_hook.<locals>.path_hook_for_FileFinder',
    "ok runmod.py ok __init__.py ok sub.py ModuleNotFoundError: No module named 'runpkg.missing' 'runpkg.missing'",
    'ok leaf.py ok -',
    'True None',
    '',
  ].join('\n'));
});

test('support_import: a warm import brings into sys.modules what the run-time walk of the import graph brings, in the same order', () => {
  // json's and six's closures are kept in the snapshot (end_warmup); dropping a kept one makes the
  // import walk the graph as every import did before.
  const shown = (walk: boolean) => run([
    'import sys',
    // The driver's globals without importing it (that would hand over json with it).
    ...(walk ? ['kept = sys.meta_path[0].find_spec.__globals__["_BROUGHT_IN"]', 'assert kept.pop("json") and kept.pop("six")'] : []),
    'before = set(sys.modules)',
    'import json, six',
    'print([m for m in sys.modules if m not in before and not m.startswith("_cj_")])',
  ].join('\n'));
  const kept = shown(false);
  const walked = shown(true);
  assert.equal(kept.status, 0, kept.err);
  assert.equal(walked.status, 0, walked.err);
  assert.match(kept.out, /'json.decoder'.*'six'/s);
  assert.equal(kept.out, walked.out);
});
