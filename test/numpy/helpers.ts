// Shared fixtures for the numpy runtime tests: a jail on the numpy image, and the reference,
// Debian's native numpy 1.24.2 (apt-get install python3-numpy) run by /usr/bin/python3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJail, type Jail } from '../../src/jail/jail.js';
import { defaultPolicy } from '../../src/jail/limits.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { loadNumpyImage } from '../../src/runtime/numpyImage.js';

export const NATIVE_PYTHON = '/usr/bin/python3';
/** Generous limits: the tests check results, not limits. */
export const LIMITS = { CPU: 30, REALTIME: 60 } as const;

export async function startNumpyJail(workers = 1): Promise<Jail> {
  return createJail({
    policy: defaultPolicy(), workers, queueLimit: 64, outputLimitBytes: 8 * 1024 * 1024,
    image: loadNumpyImage(),
  });
}

export interface Output { status: number; stdout: string; stderr: string }

/** Run `code` as `python -E -B -c code` on the host's Debian python3 with its numpy. */
export function runNative(code: string, stdin = ''): Output {
  const r = spawnSync(NATIVE_PYTHON, ['-E', '-B', '-c', code], {
    input: stdin, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, maxBuffer: 64 << 20,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Native numpy must be there, and be the version the sandbox runs. */
export function assertNativeNumpy(): void {
  const r = runNative('import numpy; print(numpy.__version__)');
  assert.equal(r.status, 0, `native numpy missing (apt-get install python3-numpy): ${r.stderr}`);
  assert.equal(r.stdout.trim(), '1.24.2', 'the reference must be Debian numpy 1.24.2');
}

export async function runSandbox(jail: Jail, code: string, stdin?: string): Promise<Output> {
  const r = await jail.jailCode({ command: 'python', code, limits: { ...LIMITS }, stdin });
  return { status: r.status, stdout: Buffer.from(r.stdout).toString('utf8'), stderr: Buffer.from(r.stderr).toString('utf8') };
}

/** Run in both; both must succeed. */
export async function runBoth(jail: Jail, code: string): Promise<{ native: string; wasm: string }> {
  const native = runNative(code);
  assert.equal(native.status, 0, `native run failed:\n${native.stderr}`);
  const wasm = await runSandbox(jail, code);
  assert.equal(wasm.status, 0, `sandbox run failed:\n${wasm.stderr}`);
  return { native: native.stdout, wasm: wasm.stdout };
}

/** Run codejail's safe_exec program (the same wrapper text) natively, as codejail would:
 * `python -E -B jailed_code` in a fresh directory holding six.py, stdin = [code, globals]. */
export function safeExecNative(wrapper: string, stdin: string): Output {
  const dir = mkdtempSync(join(tmpdir(), 'numpy-safe-exec-'));
  try {
    copyFileSync(join(repoRoot(), 'compat', 'six.py'), join(dir, 'six.py'));
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'jailed_code'), wrapper);
    const r = spawnSync(NATIVE_PYTHON, ['-E', '-B', 'jailed_code'], {
      cwd: dir, input: stdin, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' },
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compare two JSON-shaped values; numbers within a relative/absolute tolerance. */
export function assertClose(actual: unknown, expected: unknown, rtol = 1e-12, atol = 1e-13, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const ok = actual === expected || Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    assert.ok(ok, `${path}: ${actual} is not close to ${expected} (rtol ${rtol}, atol ${atol})`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, rtol, atol, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const k of Object.keys(expected)) {
      assertClose((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], rtol, atol, `${path}.${k}`);
    }
    return;
  }
  assert.deepEqual(actual, expected, path);
}
