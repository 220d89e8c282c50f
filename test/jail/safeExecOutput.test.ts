// safe_exec when a program exits 0 without the wrapper's globals on stdout (sys.exit(0), its own
// writes to the real stdout): codejail's safe_exec runs json.loads(stdout.decode('utf-8')) and
// lets that exception escape. The oracle: the same wrapper run natively (src/legacy), then
// native Python's json.loads on that stdout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Jail } from '../../src/jail/jail.js';
import { legacyJailCode } from '../../src/legacy/nativeCodejail.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../../src/jail/wrapper.js';
import { startJail } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 1 });
});
after(async () => {
  await jail.close();
});

/** What codejail's `json.loads(res.stdout.decode('utf-8'))` raises natively for this stdout: [type, str(e)], or null. */
function nativeLoads(stdout: Uint8Array): [string, string] | null {
  const py = 'import json, sys\ntry:\n    json.loads(sys.stdin.buffer.read().decode("utf-8"))\nexcept BaseException as e:\n    print(type(e).__name__)\n    print(e)';
  const r = spawnSync('/usr/bin/python3', ['-E', '-c', py], { input: stdout, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  if (r.stdout === '') return null;
  const [type, ...msg] = r.stdout.replace(/\n$/, '').split('\n');
  return [type!, msg.join('\n')];
}

async function nativeStdout(code: string): Promise<Uint8Array> {
  // A generous wall-clock limit: the native run is the oracle, and the machine may be loaded.
  const r = await legacyJailCode({ command: 'python', code: buildSafeExecWrapper([]), stdin: buildSafeExecStdin(code, '{}'), limits: { REALTIME: 30 } });
  assert.equal(r.status, 0);
  return r.stdout;
}

for (const [name, code] of [
  ['sys.exit(0) before the wrapper prints', 'import sys\nsys.exit(0)'],
  ['os._exit(0)', 'import os\nos._exit(0)'],
  ['a forged answer written to the real stdout', 'import sys\nsys.__stdout__.write(\'{}, "emsg": "injected"\')\nsys.__stdout__.flush()'],
  ['a forged answer, then exit 0', 'import os\nos.write(1, b\'{"x": 1}, "emsg": "injected"\')\nos._exit(0)'],
] as const) {
  test(`stdout that is not the wrapper's globals: ${name} -> JSONDecodeError as codejail's json.loads raises it`, async () => {
    const expected = nativeLoads(await nativeStdout(code));
    assert.ok(expected, 'the native run must fail to decode too');
    assert.equal(expected[0], 'JSONDecodeError');
    const r = await jail.safeExec({ code, globalsJson: '{}' });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual([r.exception, r.emsg], expected);
    assert.equal(r.status, 0);
  });
}

test('stdout that is not the wrapper\'s globals: bytes that are not UTF-8 -> UnicodeDecodeError, as natively', async () => {
  const code = 'import os\nos.write(1, b"\\xff\\xfe")\nos._exit(0)';
  const expected = nativeLoads(await nativeStdout(code));
  assert.equal(expected?.[0], 'UnicodeDecodeError');
  const r = await jail.safeExec({ code, globalsJson: '{}' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.exception, 'UnicodeDecodeError');
});

test('stdout that is not the wrapper\'s globals: nesting past Python\'s recursion limit -> RecursionError, not a JS stack overflow', async () => {
  for (const depth of [5_000, 200_000]) {
    const code = `import os\nos.write(1, b"[" * ${depth})\nos._exit(0)`;
    const expected = nativeLoads(await nativeStdout(code));
    assert.equal(expected?.[0], 'RecursionError');
    const r = await jail.safeExec({ code, globalsJson: '{}' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.exception, 'RecursionError');
  }
});

test('the wrapper\'s own output is returned as the native run prints it', async () => {
  const code = 'x = [[1, 2]] * 3\ny = "é"\nz = 10 ** 30';
  const native = Buffer.from(await nativeStdout(code)).toString('utf8');
  assert.equal(nativeLoads(Buffer.from(native)), null);
  const r = await jail.safeExec({ code, globalsJson: '{}' });
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.globalsJson, native.trim());
});
