// The fault-injection switches of the test suites (src/sandbox/testFaults.ts) turn sandbox
// defences off: the service refuses to start with one set outside node's test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { refuseTestFaultsOutsideTests, TEST_FAULT_SWITCHES } from '../../src/sandbox/testFaults.js';

const MAIN = fileURLToPath(new URL('../../src/server/main.js', import.meta.url));

test('the service refuses to start with a fault-injection switch set outside the test runner, naming it', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', [TEST_FAULT_SWITCHES.earlyQuotaRefund]: '1' };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /refusing to start: CODEJAIL_WASM_TEST_EARLY_QUOTA_REFUND is set/);
});

test('every switch is refused outside the test runner; none is inside it, and an unset one never', () => {
  for (const name of Object.values(TEST_FAULT_SWITCHES)) {
    assert.throws(() => refuseTestFaultsOutsideTests({ [name]: '1' }), new RegExp(`refusing to start: ${name} is set`));
    assert.doesNotThrow(() => refuseTestFaultsOutsideTests({ [name]: '1', NODE_TEST_CONTEXT: 'child-v8' }));
  }
  assert.doesNotThrow(() => refuseTestFaultsOutsideTests({ CODEJAIL_WASM_TEST_PYTHON: '/usr/bin/python3' }));
});
