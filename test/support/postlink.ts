// Small modules through the post-link pipeline (python-wasm/scripts/postlink.mjs), for the
// tests of its passes: run the pipeline, and instantiate a result the way the host does (its
// own memory and the marks memory imported, the fuel slow path supplied by the test).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { DIRTY_IMPORTS, dirtyLayout } from '../../src/sandbox/DirtyChunks.js';

/** The bytes of a binaryen test module built with exception handling, declared in its
 * target_features section as clang declares it (the passes keep exception handling only for
 * such modules); the module is disposed of. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function emitWithExceptionHandling(m: any): Uint8Array {
  const feature = new TextEncoder().encode('exception-handling');
  m.addCustomSection('target_features', new Uint8Array([1, '+'.charCodeAt(0), feature.length, ...feature]));
  assert.ok(m.validate(), 'the test module does not validate');
  const bytes = m.emitBinary() as Uint8Array;
  m.dispose();
  return bytes;
}

/** postlink.mjs on `input`: the fuel module and the one without fuel, both with the barrier. */
export function postlink(input: Uint8Array): { fuel: Uint8Array; plain: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'cjw-postlink-test-'));
  try {
    writeFileSync(join(dir, 'in.wasm'), input);
    execFileSync(process.execPath, [join(repoRoot(), 'python-wasm', 'scripts', 'postlink.mjs'),
      join(dir, 'in.wasm'), join(dir, 'fuel.wasm'), join(dir, 'plain.wasm')], { stdio: 'pipe' });
    return { fuel: readFileSync(join(dir, 'fuel.wasm')), plain: readFileSync(join(dir, 'plain.wasm')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instantiate a post-linked module; `env` supplies the module's own imports. */
export function instantiatePostlinked(bytes: Uint8Array, onExhausted: () => void, env: Record<string, unknown> = {}) {
  const mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const layout = dirtyLayout(mod);
  assert.ok(layout, 'postlink.mjs added no store barrier');
  const memory = new WebAssembly.Memory({ initial: layout.memory.initial, maximum: layout.memory.maximum });
  const markPages = (1 << (32 - layout.chunkShift - 16)) + 1;
  const marks = new WebAssembly.Memory({ initial: markPages, maximum: markPages });
  const inst = new WebAssembly.Instance(mod, {
    env: env as WebAssembly.ModuleImports,
    codejail: { fuel_exhausted: onExhausted, [DIRTY_IMPORTS.memory]: memory, [DIRTY_IMPORTS.marks]: marks },
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { mod, exports: inst.exports as any, memory: new Uint8Array(memory.buffer), marks: new Uint8Array(marks.buffer), layout };
}
