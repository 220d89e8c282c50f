// random2 differential tests (Python unittest) against Debian's python3-random2, the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

test('compat/random2.py streams are identical to Debian random2 (differential unittest)', () => {
  const r = spawnSync('/usr/bin/python3', ['-B', '-m', 'unittest', 'discover', '-s', 'test/compat', '-v'], {
    cwd: ROOT, encoding: 'utf8', timeout: 300_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  assert.doesNotMatch(output, /skipped/, 'the oracle (apt-get install python3-random2) must be installed');
});
