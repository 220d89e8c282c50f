// Sabotage check, as part of the suite: with isolation switched off (every case run natively by
// the legacy runner), exactly the deny_* cases must fail and every allow_*/support_* case must
// pass; then, with each named sandbox defence switched off, the cases that depend on it must
// fail. This proves each deny_* test would notice the attack succeeding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('sabotage: with isolation off, exactly the deny_* security tests fail', () => {
  const script = fileURLToPath(new URL('./sabotage-check.js', import.meta.url));
  // Without NODE_TEST_CONTEXT: the check skips itself when it sees one (so that `node --test
  // dist/test/` does not run it as a test file), and this child inherited ours.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024, env });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  assert.match(r.stdout, /^sabotage-check OK: exactly the deny_ cases failed natively, and each sabotaged defence.s cases failed without it$/m, output);
  console.log(output.trim().split('\n').slice(-6).join('\n'));
});
