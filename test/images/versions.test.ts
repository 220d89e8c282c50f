// Two images with different versions of one package, used from the same process: a tiny
// demo_pkg built twice (v1 from a directory, v2 from an operator's pure-Python wheel) into a
// temporary operator layer directory, not committed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { loadImages, type LayeredImage } from '../../src/runtime/layeredImages.js';
import { nativePython, runCode, startJail, text } from '../support/jail.js';
import { buildLayer, makeWheel, testRoot, writeConfig, writeDemoPackage } from './helpers.js';

const VENV = '/edx/app/edxapp/venvs/edxapp-sandbox/lib/python3.11/site-packages/';
let tmp: string;
let images: Map<string, LayeredImage>;
let v1: Jail;
let v2: Jail;
let v1Source: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cj-versions-'));
  const layers = join(tmp, 'operator-layers');
  v1Source = writeDemoPackage(tmp, '1.0');
  buildLayer(['--name', 'demo', '--version', '1.0', '--out', layers, `dir:${v1Source}`]);
  // v2 comes as an operator's wheel (as codejail-includes, openedx-calc or chem would), with
  // the code paths of codejail's sandbox virtualenv.
  const whl = join(tmp, 'demo_pkg-2.0-py3-none-any.whl');
  makeWheel(whl, 'demo_pkg', '2.0', {
    'demo_pkg/__init__.py': '__version__ = "2.0"\nfrom .core import greet\n',
    'demo_pkg/core.py': 'def greet(name):\n    return "demo 2.0 greets " + name\n\ndef fail():\n    raise ValueError("boom from demo_pkg 2")\n',
    'demo_pkg/data.txt': 'payload v2\n',
  });
  buildLayer(['--name', 'demo', '--version', '2.0', '--out', layers, '--code-prefix', VENV, `wheel:${whl}`]);
  const cfg = writeConfig(join(tmp, 'images.json'), {
    include: 'default',
    defaultImage: 'demo-v2',
    images: [
      { name: 'demo-v1', extends: 'py311-base', layers: ['demo@1.0'] },
      // Preloaded in v2: its code ran when the snapshot was built; a program's import hands it over.
      { name: 'demo-v2', extends: 'py311-base', layers: ['demo@2.0'], addPreloads: ['demo_pkg'] },
    ],
  });
  images = loadImages(cfg, { root: testRoot(), extraLayerDirs: [layers], only: ['demo-v1', 'demo-v2'] });
  [v1, v2] = await Promise.all([
    startJail({ workers: 1, image: images.get('demo-v1')! }),
    startJail({ workers: 1, image: images.get('demo-v2')! }),
  ]);
});
after(async () => {
  await v1?.close();
  await v2?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const probe = [
  'import sys',
  'preloaded = "demo_pkg" in sys.modules',
  'import demo_pkg',
  'from importlib.metadata import version',
  'print(demo_pkg.__version__, version("demo_pkg"), preloaded, demo_pkg.greet("ada"))',
].join('\n');

test('each image imports its own version of demo_pkg, in the same process', async () => {
  // Natively, with v1's package on the path: what v1 must print, and (a module installed but not
  // yet imported is not in sys.modules) what v2, which preloads demo_pkg, must say of it too.
  const native = nativePython(`import sys\nsys.path.insert(0, ${JSON.stringify(v1Source)})\n${probe}`);
  assert.equal(native.status, 0, native.stderr);
  const nativePreloaded = native.stdout.split(' ')[2];
  const [a, b, a2] = await Promise.all([runCode(v1, probe), runCode(v2, probe), runCode(v1, probe)]);
  for (const r of [a, b, a2]) assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(a.stdout), native.stdout);
  assert.equal(text(a2.stdout), text(a.stdout));
  assert.equal(text(b.stdout), `2.0 2.0 ${nativePreloaded} demo 2.0 greets ada\n`);
  assert.notEqual(v1.snapshotDigest, v2.snapshotDigest);
});

test('tracebacks name the code prefix each layer was built with', async () => {
  const code = 'import demo_pkg.core\ndemo_pkg.core.fail()\n';
  const a = await runCode(v1, code);
  const b = await runCode(v2, code);
  assert.match(text(a.stderr), /File "\/usr\/lib\/python3\/dist-packages\/demo_pkg\/core\.py", line 5, in fail\n/);
  assert.match(text(a.stderr), /ValueError: boom from demo_pkg\n$/);
  assert.ok(text(b.stderr).includes(`File "${VENV}demo_pkg/core.py", line 5, in fail\n`), text(b.stderr));
});

test('package data in a layer is readable through importlib.resources, layers are read-only', async () => {
  const r = await runCode(v2, [
    'import importlib.resources, demo_pkg',
    'print(importlib.resources.files("demo_pkg").joinpath("data.txt").read_text(), end="")',
    'try:\n    open("/usr/lib/codejail-wasm/layers/demo.zip", "r+b")\nexcept OSError as e:\n    print(type(e).__name__)',
  ].join('\n'));
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout).split('\n')[0], 'payload v2');
  assert.match(text(r.stdout).split('\n')[1] ?? '', /^\w*Error$/);
});
