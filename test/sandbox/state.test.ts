// Every request starts from the same snapshot: nothing one program does is visible to the
// next (module globals, sys.modules, random state, files, environment, cwd), randomness
// comes from the request's seed, and the hash seed is fixed (and documented).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { SANDBOX_ENVIRONMENT } from '../../src/jail/jailRun.js';
import { runCode, startJail, text } from '../support/jail.js';

/** repr() of a list of ASCII strings. */
const pyList = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 2 });
});
after(async () => {
  await jail.close();
});

test('module state, sys.modules, builtins and files do not leak into the next request', async () => {
  const polluter = [
    'import json, sys, builtins, os, random',
    'json.LEAK = "secret-1"',
    'sys.modules["leaky_module"] = json',
    'builtins.LEAK = "secret-2"',
    'sys.path.append("/nowhere")',
    'os.environ["LEAK"] = "secret-3"',
    'random.seed(12345)',
    'with open("tmp/leak.txt", "w") as f:',
    '    f.write("secret-4")',
  ].join('\n');
  // Run the polluter on every worker, then probe on every worker.
  const p = await Promise.all([1, 2, 3, 4].map(() => runCode(jail, polluter, { FSIZE: 1000 })));
  for (const r of p) assert.equal(r.status, 0, text(r.stderr));
  const probe = [
    'import json, sys, builtins, os, glob',
    'print(hasattr(json, "LEAK"), "leaky_module" in sys.modules, hasattr(builtins, "LEAK"))',
    'print("/nowhere" in sys.path, "LEAK" in os.environ, sorted(os.environ))',
    'print(glob.glob("/tmp/*/tmp/*"), os.listdir("tmp"))',
  ].join('\n');
  const results = await Promise.all([1, 2, 3, 4].map(() => runCode(jail, probe)));
  for (const r of results) {
    assert.equal(r.status, 0, text(r.stderr));
    const env = [...Object.keys(SANDBOX_ENVIRONMENT), 'LC_CTYPE'].sort();
    assert.equal(text(r.stdout), `False False False\nFalse False ${pyList(env)}\n[] []\n`);
  }
});

test('random state comes from the request seed: same seed, same numbers; other seed, others', async () => {
  const code = 'import random, os\nprint(random.random(), os.urandom(8).hex())\n';
  const a = await runCode(jail, code, {}, { seed: 7 });
  const b = await runCode(jail, code, {}, { seed: 7 });
  const c = await runCode(jail, code, {}, { seed: 8 });
  assert.equal(text(a.stdout), text(b.stdout));
  assert.notEqual(text(a.stdout), text(c.stdout));
  // Not the value baked into the snapshot: two unseeded requests differ.
  const d = await runCode(jail, code);
  const e = await runCode(jail, code);
  assert.notEqual(text(d.stdout), text(e.stdout));
});

test('the hash seed is fixed: str hashes are the same in every request and worker', async () => {
  // Natively each codejail process draws a random hash seed; here it is fixed so that
  // random2.Random(str) seeds are reproducible. wasm32 hashes are 32-bit (sys.maxsize 2**31-1),
  // so the values themselves differ from a 64-bit native interpreter (docs/differences.md).
  const code = 'import sys\nprint(hash("codejail"), hash(("a", 1)), sys.flags.hash_randomization, sys.maxsize)\n';
  const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => runCode(jail, code, {}, { seed: i })));
  const outs = new Set(runs.map((r) => text(r.stdout)));
  assert.equal(outs.size, 1);
  assert.match([...outs][0]!, / 0 2147483647\n$/);
});

test('the same request gives the same fuel on every run and every worker', async () => {
  const code = 'import json\nd = {str(i): [i, i * 0.5] for i in range(500)}\ns = json.dumps(d, sort_keys=True)\nprint(len(s))\n';
  const runs = await Promise.all(Array.from({ length: 12 }, () => runCode(jail, code, {}, { seed: 3 })));
  const fuels = new Set(runs.map((r) => r.run.fuelUsed));
  const outs = new Set(runs.map((r) => text(r.stdout)));
  assert.equal(outs.size, 1);
  assert.equal(fuels.size, 1, `fuel differed: ${[...fuels].join(', ')}`);
});

test('a program that traps leaves no trace: the next run on that worker matches a fresh one', async () => {
  const code = 'import sys\nprint(len(sys.modules), sys.getrecursionlimit())\n';
  const fresh = await runCode(jail, code, {}, { seed: 1 });
  await Promise.all([1, 2].map(() => runCode(jail, 'while True: pass', { CPU: 0.01 })));
  const again = await Promise.all([1, 2].map(() => runCode(jail, code, {}, { seed: 1 })));
  for (const r of again) {
    assert.equal(text(r.stdout), text(fresh.stdout));
    assert.equal(r.run.fuelUsed, fresh.run.fuelUsed);
  }
});
