// What preloading buys: `import sympy` (and a small sympy problem) in a run on an image that
// has the layers but imports nothing before its snapshot, against the same run on
// py311-sci-2026.1, whose snapshot already holds sympy. Fuel and wall time are reported as
// test diagnostics, not asserted (fuel is deterministic: only its order is checked). The same
// for each library of openedx-2026.1 (the README's import-cost table comes from this file's
// diagnostics: npm run build && node --test dist/test/images/importCost.test.js).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { loadImages, type LayeredImage } from '../../src/runtime/layeredImages.js';
import { runCode, startJail, text } from '../support/jail.js';
import { testRoot, writeConfig } from './helpers.js';

let tmp: string;
let cold: Jail;
let warm: Jail;
let openedxCold: Jail;
let openedxWarm: Jail;
/** What Open edX course code imports, one module per library of openedx-2026.1. */
const OPENEDX_IMPORTS = ['sympy', 'networkx', 'pyparsing', 'dateutil.parser', 'markupsafe', 'regex', 'nltk',
  'lxml.etree', 'chem.chemcalc', 'verifiers.draganddrop', 'symmath', 'numpy', 'calc',
  'scipy.special', 'scipy.integrate', 'scipy.optimize', 'scipy.stats', 'scipy.interpolate', 'scipy.linalg'];
const startup: Record<string, { ms: number; snapshotMiB: number }> = {};
const LIMITS = { CPU: 60, REALTIME: 120 };

async function timedJail(name: string, image: LayeredImage): Promise<Jail> {
  const t0 = performance.now();
  const jail = await startJail({ workers: 1, image });
  startup[name] = { ms: Math.round(performance.now() - t0), snapshotMiB: +(jail.snapshotBytes() / 2 ** 20).toFixed(1) };
  return jail;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cj-import-cost-'));
  const cfg = writeConfig(join(tmp, 'images.json'), {
    include: 'default',
    images: [{ name: 'sci-no-preload', extends: 'py311-base', layers: ['sympy@1.11.1-1', 'networkx@2.8.8-1', 'pyparsing@3.0.9-1', 'dateutil@2.8.2-2'] }],
  });
  const images = loadImages(cfg, { root: testRoot(), only: ['sci-no-preload', 'py311-sci-2026.1'] });
  cold = await timedJail('sci-no-preload', images.get('sci-no-preload')!);
  warm = await timedJail('py311-sci-2026.1', images.get('py311-sci-2026.1')!);
  const openedxCfg = writeConfig(join(tmp, 'openedx.json'), {
    include: 'default',
    images: [{ name: 'openedx-no-preload', extends: 'openedx-2026.1', preloads: loadBaseImage().preloads }],
  });
  const openedx = loadImages(openedxCfg, { root: testRoot(), only: ['openedx-no-preload', 'openedx-2026.1'] });
  openedxCold = await timedJail('openedx-no-preload', openedx.get('openedx-no-preload')!);
  openedxWarm = await timedJail('openedx-2026.1', openedx.get('openedx-2026.1')!);
});
after(async () => {
  await cold?.close();
  await warm?.close();
  await openedxCold?.close();
  await openedxWarm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function measure(jail: Jail, code: string, runs = 3): Promise<{ fuel: number[]; wallMs: number[]; stdout: string }> {
  const fuel: number[] = [];
  const wallMs: number[] = [];
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const r = await runCode(jail, code, LIMITS);
    assert.equal(r.status, 0, text(r.stderr));
    fuel.push(r.run.fuelUsed);
    wallMs.push(Math.round(r.run.wallMs));
    stdout = text(r.stdout);
  }
  return { fuel, wallMs, stdout };
}

test('import sympy: cold import vs restored from a snapshot that holds it', async (t) => {
  t.diagnostic(`startup (snapshot build + pool): ${JSON.stringify(startup)}`);
  const cases: [string, string][] = [
    ['import sympy', 'import sympy\nprint(sympy.__version__)\n'],
    ['import networkx', 'import networkx\nprint(networkx.__version__)\n'],
    ['solve x**2-2', 'import sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x**2 - 2, x))\n'],
  ];
  for (const [label, code] of cases) {
    const c = await measure(cold, code);
    const w = await measure(warm, code);
    assert.equal(c.stdout, w.stdout);
    t.diagnostic(`${label}: cold fuel ${c.fuel.join('/')} wall ${c.wallMs.join('/')} ms; ` +
      `preloaded fuel ${w.fuel.join('/')} wall ${w.wallMs.join('/')} ms`);
    assert.ok(Math.max(...w.fuel) < Math.min(...c.fuel), `${label}: preloading saves work`);
  }
});

test('openedx-2026.1: each library\'s import, cold vs restored from the image\'s snapshot', async (t) => {
  t.diagnostic(`startup (snapshot build + pool): ${JSON.stringify(startup)}`);
  for (const mod of OPENEDX_IMPORTS) {
    const code = `import ${mod}\nprint(${JSON.stringify(mod)} in __import__("sys").modules)\n`;
    const c = await measure(openedxCold, code, 1);
    const w = await measure(openedxWarm, code, 2);
    assert.equal(c.stdout, 'True\n');
    assert.equal(w.stdout, 'True\n');
    t.diagnostic(`import ${mod}: cold fuel ${c.fuel.join('/')} wall ${c.wallMs.join('/')} ms; ` +
      `preloaded fuel ${w.fuel.join('/')} wall ${w.wallMs.join('/')} ms`);
    assert.ok(Math.max(...w.fuel) < Math.min(...c.fuel), `import ${mod}: preloading saves work`);
  }
});
