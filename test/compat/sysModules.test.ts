// What a program finds in sys.modules, at its start and after it imports modules the snapshot
// holds warm (random, json, ...): the same names as a native `python3 -E -B` run, while the
// warm modules are still handed over without running their code again (compat/_cj_driver.py,
// _WarmModules). Native side: Debian's python3 run as codejail runs it, counting the modules of
// the interpreter and its stdlib; what the host's own site-packages add through .pth files is
// the host's installation, not Python's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { assertSeededPerRun, nativePython, runCode, startJail, text } from '../support/jail.js';

/** Natively present but impossible in the sandbox: site's own modules (the sandbox runs no site:
 * sys.flags.no_site), and C modules wasm32-wasi has no such thing for. */
const SANDBOX_CANNOT_HAVE = new Set(['site', '_sitebuiltins', 'pwd', 'sitecustomize', 'fcntl', '_posixsubprocess', 'array']);

/** The program's sys.modules names, as JSON, after `imports`. */
const listing = (imports: string) =>
  `${imports}\nimport json as _j, sys as _s\nprint(_j.dumps(sorted(n for n in _s.modules if n not in ("_j", "_s"))))`;
/** The same natively, keeping the interpreter's and the stdlib's modules only. */
const nativeListing = (imports: string) => `${imports}\nimport json as _j, sys as _s\n`
  + 'def _stdlib(m):\n    f = getattr(m, "__file__", None)\n    return f is None or (f.startswith("/usr/lib/python3.11/") and "-packages/" not in f)\n'
  + 'print(_j.dumps(sorted(n for n, m in _s.modules.items() if _stdlib(m))))';

let jail: Jail;
before(async () => { jail = await startJail({ workers: 1 }); });
after(async () => { await jail.close(); });

/** The names the listing itself imports (json and its modules) are left out on both sides. */
async function compare(imports: string): Promise<void> {
  const base = 'import json as _j0';
  const native = nativePython(nativeListing(imports));
  assert.equal(native.status, 0, native.stderr);
  const expected = (JSON.parse(native.stdout) as string[]).filter((n) => !SANDBOX_CANNOT_HAVE.has(n));
  const r = await runCode(jail, listing(imports));
  assert.equal(r.status, 0, text(r.stderr));
  const got = JSON.parse(text(r.stdout)) as string[];
  assert.deepEqual(got, expected, `${imports || '(nothing)'}: sys.modules differs from native (${base})`);
}

test('support_sys_modules_at_a_program_start_are_what_a_native_interpreter_starts_with', async () => {
  // Without json imported first, natively: the listing's own import of json is the same on both sides.
  await compare('');
});

test('support_sys_modules_after_importing_warm_modules_are_what_native_imports_load', async () => {
  for (const imports of ['import random', 'import fractions, decimal', 'import re, collections, string, textwrap', 'import traceback, logging, threading']) {
    await compare(imports);
  }
});

test('support_warm_modules_are_handed_over_not_run_again', async () => {
  // Natively each import runs the module's code; here a warm module is the snapshot's object, so
  // importing six warm modules costs a small fraction of a run that does nothing else.
  // (Not random: its import seeds its generator from the OS both ways, ~5.5 M fuel of host
  // randomness, which is not what this compares.)
  const idle = await runCode(jail, 'pass');
  const warm = await runCode(jail, 'import textwrap, json, fractions, decimal, re, collections');
  // The same modules' code run again, from the stdlib's files (the path finder, as a cold import).
  const fresh = await runCode(jail, 'import importlib.machinery as mc, importlib.util as u\nfor n in ["textwrap", "fractions"]:\n    s = mc.PathFinder.find_spec(n)\n    s.loader.exec_module(u.module_from_spec(s))');
  assert.equal(warm.status, 0, text(warm.stderr));
  assert.equal(fresh.status, 0, text(fresh.stderr));
  const warmCost = warm.run.fuelUsed - idle.run.fuelUsed;
  const freshCost = fresh.run.fuelUsed - idle.run.fuelUsed;
  assert.ok(warmCost * 5 < freshCost, `six warm imports cost ${warmCost} fuel, running two modules' code ${freshCost}`);
  // And the module a program gets is the one whose state the run started with (random seeded per run).
  const r = await runCode(jail, 'import random, sys\nprint(random.__spec__.name, type(random.__spec__.loader).__name__, random.__file__)');
  assert.equal(text(r.stdout), 'random SourceFileLoader /usr/lib/python3.11/random.py\n');
});

test('support_a_module_imported_again_or_reloaded_runs_its_code_as_natively', async () => {
  // Handed over once per run: after that, removal from sys.modules and reimport, or a reload,
  // execute the module's file again, as a native interpreter does.
  const code = [
    'import sys, importlib, fractions',
    'fractions.Fraction = None',
    'importlib.reload(fractions)',
    'print(fractions.Fraction is None)',
    'import json',
    'del sys.modules["json"]',
    'import json as j2',
    'print(j2 is json)',
  ].join('\n');
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  const r = await runCode(jail, code);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
});

test('support_random_is_seeded_from_the_run_when_it_is_imported', async () => {
  // Natively `random` seeds its generator from the OS when a process imports it. Held in the
  // snapshot, it is reseeded from the run's randomness when the run is handed it: imported, or
  // in the closure of another module (tempfile imports random).
  await assertSeededPerRun((code, seed) => runCode(jail, code, {}, seed === undefined ? {} : { seed }), [
    'import random\nprint(random.random(), random.getrandbits(64))',
    'import tempfile, sys\nprint(sys.modules["random"].random())',
    // random2 (Python 2.7's random, compat/random2.py) seeds its module-level Random as random does.
    'import random2\nprint(random2.random(), random2.randint(1, 10**9))',
  ]);
});
