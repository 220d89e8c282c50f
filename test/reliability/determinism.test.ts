// Determinism under load: the same safe_exec request (script, globals, seed, limits) gives
// byte-identical globals, stdout, stderr and fuel on 1,000 runs spread over every worker and
// interleaved with unrelated traffic (failures, limit hits, memory growth, other seeds) that
// must not leave anything behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 2, queueLimit: 256, outputLimitBytes: 1 << 20 });
});
after(async () => {
  await jail.close();
});

const SCRIPT = [
  'import random, json, math, os, hashlib, decimal',
  'r = [random.randint(0, 10**6) for _ in range(8)]',
  'u = os.urandom(8).hex()',
  'order = list({"alpha", "beta", "gamma", "delta", "epsilon"})',
  'h = hash("codejail") % 1000003',
  'd = {str(k): k * 0.1 for k in range(n)}',
  'digest = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()',
  'f = repr(math.pi * n) + str(decimal.Decimal(1) / 7)',
  'total = sum(x * x for x in range(n * 100))',
  'print("not captured by safe_exec")',
  'big = 3 ** 500 % 10**20',
].join('\n');
const GLOBALS = '{"n": 37, "label": "determinism", "nested": {"a": [1, 2.5, null]}}';
const LIMITS = { CPU: 2, REALTIME: 20 } as const;
const SEED = 424242;

interface Other { label: string; run: () => Promise<void> }

/** Unrelated traffic, each with its own expected outcome. */
const OTHERS: Other[] = [
  { label: 'fuel', run: async () => {
    const r = await jail.jailCode({ command: 'python', code: 'while True:\n    pass\n', limits: { CPU: 0.01, REALTIME: 20 } });
    assert.equal(r.status, -24);
  } },
  { label: 'exception', run: async () => {
    const r = await jail.safeExec({ code: 'import json\njson.STASH = 1\nraise ValueError("boom")', globalsJson: '{}', limits: { REALTIME: 20 } });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.emsg, /ValueError: boom/);
  } },
  { label: 'memory', run: async () => {
    const r = await jail.jailCode({ command: 'python', code: 'x = bytearray(48 << 20)\nimport random\nrandom.seed(1)\nprint(len(x))', limits: { REALTIME: 20 } });
    assert.equal(text(r.stdout), `${48 << 20}\n`);
  } },
  { label: 'files', run: async () => {
    const r = await jail.jailCode({ command: 'python', code: 'import os\nopen("tmp/x", "w").write("y" * 50)\nos.environ["N"] = "1"\nprint(os.listdir("tmp"))', limits: { FSIZE: 100, REALTIME: 20 } });
    assert.equal(text(r.stdout), "['x']\n");
  } },
  { label: 'other-seed', run: async () => {
    const r = await jail.safeExec({ code: SCRIPT, globalsJson: GLOBALS, limits: LIMITS, seed: SEED + 1 });
    assert.equal(r.ok, true);
  } },
  { label: 'recursion', run: async () => {
    const r = await jail.jailCode({ command: 'python', code: 'import sys\nsys.setrecursionlimit(50)\ndef f(): f()\nf()', limits: { REALTIME: 20 } });
    assert.equal(r.status, 1);
    assert.match(text(r.stderr), /RecursionError/);
  } },
];

test('1,000 identical safe_exec requests interleaved with other traffic give identical globals, output and fuel', async () => {
  const RUNS = 1000;
  const BATCH = 6; // determinism runs per batch, plus two unrelated requests
  const results: { globals: string; stdout: string; stderr: string; fuel: number }[] = [];
  let others = 0;
  let k = 0;
  for (let i = 0; i < RUNS; i += BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(RUNS, i + BATCH); j++) {
      batch.push(jail.safeExec({ code: SCRIPT, globalsJson: GLOBALS, limits: LIMITS, seed: SEED }).then((r) => {
        assert.equal(r.ok, true, r.ok ? '' : r.emsg);
        if (r.ok) results.push({ globals: r.globalsJson, stdout: text(r.run.stdout), stderr: text(r.run.stderr), fuel: r.run.fuelUsed });
      }));
    }
    for (let j = 0; j < 2; j++) {
      const o = OTHERS[k++ % OTHERS.length]!;
      batch.splice(1 + j * 2, 0, o.run().then(() => { others++; }, (e: Error) => { throw new Error(`${o.label}: ${e.message}`); }));
    }
    await Promise.all(batch);
  }
  assert.equal(results.length, RUNS);
  const first = results[0]!;
  const g = JSON.parse(first.globals) as Record<string, unknown>;
  assert.equal(g.n, 37);
  assert.equal((g.r as number[]).length, 8);
  assert.equal(first.stderr, '');
  assert.ok(first.fuel > 0);
  const distinct = (f: (x: typeof first) => string | number) => new Set(results.map(f)).size;
  assert.equal(distinct((x) => x.globals), 1, 'globals differ between runs');
  assert.equal(distinct((x) => x.stdout), 1, 'stdout differs between runs');
  assert.equal(distinct((x) => x.stderr), 1, 'stderr differs between runs');
  assert.equal(distinct((x) => x.fuel), 1, `fuel differs between runs: ${[...new Set(results.map((x) => x.fuel))].join(', ')}`);
  assert.ok(others >= 300, `${others} unrelated requests`);
  assert.equal(jail.stats().workers, 2);
});

test('a different seed changes the random values and nothing else about the run shape', async () => {
  const a = await jail.safeExec({ code: SCRIPT, globalsJson: GLOBALS, limits: LIMITS, seed: SEED });
  const b = await jail.safeExec({ code: SCRIPT, globalsJson: GLOBALS, limits: LIMITS, seed: SEED + 1 });
  assert.ok(a.ok && b.ok);
  const ga = JSON.parse(a.globalsJson) as Record<string, unknown>;
  const gb = JSON.parse(b.globalsJson) as Record<string, unknown>;
  assert.notDeepEqual(ga.r, gb.r);
  assert.notEqual(ga.u, gb.u);
  for (const k of ['order', 'h', 'digest', 'f', 'total', 'big', 'nested']) assert.deepEqual(ga[k], gb[k], k);
});
