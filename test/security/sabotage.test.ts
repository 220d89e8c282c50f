// Sabotage check, as part of the suite: with isolation switched off (every case run natively by
// the legacy runner), exactly the deny_* cases must fail and every allow_*/support_* case must
// pass. This proves each deny_* test would notice the attack succeeding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('sabotage: with isolation off, exactly the deny_* security tests fail', () => {
  const script = fileURLToPath(new URL('./sabotage-check.js', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  console.log(output.trim().split('\n').slice(-6).join('\n'));
});
