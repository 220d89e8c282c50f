// The Python client's unittest suites, run by this test runner: the offline suite (fake
// servers), then the live suite against the real service started from dist/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from '../support/service.js';

const PYCLIENT = fileURLToPath(new URL('../../../pyclient', import.meta.url));
// Debian's interpreter: the test prerequisites (python3-django...) are installed for it.
const PYTHON = process.env.CODEJAIL_WASM_TEST_PYTHON ?? '/usr/bin/python3';

function unittest(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const r = spawnSync(PYTHON, ['-m', 'unittest', ...args], {
    cwd: PYCLIENT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

let service: RunningService;
before(async () => {
  service = await startService();
});
after(async () => {
  const code = await service.stop();
  assert.equal(code, 0, `service did not shut down cleanly:\n${service.output()}`);
});

test('pyclient offline suite (codejail API, REMOTE_EXEC, shadow mode, error paths)', () => {
  const r = unittest(['discover', '-s', 'tests', '-t', '.']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /\nOK/);
});

test('pyclient live suite against the real service', () => {
  const r = unittest(['tests.test_live_service', '-v'], { CODEJAIL_WASM_LIVE_URL: service.url });
  assert.equal(r.status, 0, r.output);
  assert.doesNotMatch(r.output, /skipped/i, 'live tests must not skip when the service is up');
  assert.match(r.output, /Ran \d+ tests/);
});
