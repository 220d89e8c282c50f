// The committed runtime must match its checksum manifest, so a fresh clone runs exactly the
// bytes that were built (and a corrupted or hand-edited artifact is caught).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, verifyArtifacts } from '../../src/runtime/artifacts.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';

const dist = join(repoRoot(), 'python-wasm', 'dist');

test('python-wasm/dist matches SHA256SUMS', () => {
  assert.deepEqual(verifyArtifacts(dist), []);
  const listed = readFileSync(join(dist, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(listed.sort(), ['BUILDINFO', 'python-nofuel.wasm', 'python.wasm', 'python311.zip']);
});

test('a single flipped byte in an artifact is reported, and loading refuses it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cjw-artifacts-'));
  try {
    const copy = join(tmp, 'python-wasm', 'dist');
    cpSync(dist, copy, { recursive: true });
    cpSync(join(repoRoot(), 'compat'), join(tmp, 'compat'), { recursive: true });
    const zip = readFileSync(join(copy, 'python311.zip'));
    zip[zip.length >> 1] ^= 0x01;
    writeFileSync(join(copy, 'python311.zip'), zip);
    const problems = verifyArtifacts(copy);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, 'python311.zip');
    assert.throws(() => loadBaseImage({ root: tmp }), /do not match python-wasm\/dist\/SHA256SUMS: python311.zip/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('every committed module imports only WASI preview1 functions, the fuel pass\'s slow path and its two memories (the sandbox boundary)', () => {
  // The memories are the interpreter's own and the store barrier's marks (ADR 0004): the host
  // creates them, they give the guest no capability. Every variant went through the post-link
  // pipeline (python-wasm/scripts/postlink.mjs), so every one has the barrier.
  const numpyDist = join(repoRoot(), 'python-wasm', 'numpy', 'dist');
  for (const [file, extra] of [[join(dist, 'python.wasm'), ['codejail.fuel_exhausted']], [join(dist, 'python-nofuel.wasm'), []],
    [join(numpyDist, 'python-numpy.wasm'), ['codejail.fuel_exhausted']], [join(numpyDist, 'python-numpy-nofuel.wasm'), []]] as const) {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(file)));
    const functions = imports.filter((i) => i.kind === 'function');
    assert.ok(functions.length > 0);
    const other = functions.filter((i) => i.module !== 'wasi_snapshot_preview1').map((i) => `${i.module}.${i.name}`);
    assert.deepEqual(other, extra, file);
    assert.deepEqual(imports.filter((i) => i.kind !== 'function'),
      [{ module: 'codejail', name: 'memory', kind: 'memory' }, { module: 'codejail', name: 'dirty_chunks', kind: 'memory' }], file);
  }
});

test('the shipped modules export exactly the reactor interface (not the profiling build of the PGO pass)', () => {
  // The instrumented build that records the training profile also exports cj_profile_dump and
  // starts with 16 MiB of memory; it must never be what ships.
  const reactor = ['__heap_base', '__stack_pointer', '_initialize', 'cj_alloc', 'cj_free', 'cj_init',
    'cj_memory_limit', 'cj_run', 'cj_set_memory_limit', 'memory'];
  for (const [file, expected] of [['python.wasm', [...reactor, 'fuel']], ['python-nofuel.wasm', reactor]] as const) {
    const mod = new WebAssembly.Module(readFileSync(join(dist, file)));
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
    assert.deepEqual(exports, [...expected].sort(), file);
  }
});

test('every committed fuel module has its fuel checks\' host call hinted unlikely (postlink.mjs\'s branch hints); no-fuel modules have no hints', async () => {
  const { BRANCH_HINT_SECTION } = await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'branch-hints.mjs')).href) as { BRANCH_HINT_SECTION: string };
  const variants = [['dist', 'python'], ['numpy/dist', 'python-numpy'], ['openedx/dist', 'python-openedx']] as const;
  for (const [dir, name] of variants) {
    for (const [file, sections] of [[`${name}.wasm`, 1], [`${name}-nofuel.wasm`, 0]] as const) {
      const mod = new WebAssembly.Module(readFileSync(join(repoRoot(), 'python-wasm', dir, file)));
      assert.equal(WebAssembly.Module.customSections(mod, BRANCH_HINT_SECTION).length, sections, `${dir}/${file}`);
    }
  }
});

test('every committed fuel module is post-linked with weighted fuel: its store barrier records the touched-memory charge that FUEL_PER_CPU_SECOND is calibrated with (ADR 0003)', async () => {
  // A module of the flat pass (one unit per check) under the weighted constant would get ~40x
  // the CPU a limit allows; this catches a runtime re-post-linked by an older tree.
  const { TOUCH_CHUNK } = await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'instrument-fuel.mjs')).href) as { TOUCH_CHUNK: number };
  const { dirtyLayout } = await import('../../src/sandbox/DirtyChunks.js');
  const variants = [['dist', 'python'], ['numpy/dist', 'python-numpy'], ['openedx/dist', 'python-openedx']] as const;
  for (const [dir, name] of variants) {
    for (const [file, charge] of [[`${name}.wasm`, TOUCH_CHUNK], [`${name}-nofuel.wasm`, undefined]] as const) {
      const mod = new WebAssembly.Module(readFileSync(join(repoRoot(), 'python-wasm', dir, file)));
      assert.equal(dirtyLayout(mod)?.touchChunkFuel, charge, `${dir}/${file}`);
    }
  }
});
