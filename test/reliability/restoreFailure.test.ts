// A snapshot restore that fails (after the answer was sent) ends that worker; the pool replaces
// it, and every request still gets its right answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { TEST_FAULT_SWITCHES } from '../../src/sandbox/testFaults.js';
import { startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  process.env[TEST_FAULT_SWITCHES.failRestoreEvery] = '3';
  jail = await startJail({ workers: 2 });
});
after(async () => {
  delete process.env[TEST_FAULT_SWITCHES.failRestoreEvery];
  await jail.close();
});

test('failing restores: the worker is replaced and no request is lost or answered wrongly', async () => {
  const results = [];
  for (let i = 0; i < 12; i++) {
    results.push(await jail.jailCode({ command: 'python', code: `print(${i} * 3)` }));
  }
  results.forEach((r, i) => {
    assert.equal(r.status, 0, text(r.stderr));
    assert.equal(text(r.stdout), `${i * 3}\n`);
  });
  // Let the last replacement finish starting.
  for (let t = 0; t < 600 && (jail.stats().workers < 2 || jail.stats().idle < 2); t++) await new Promise((r) => setTimeout(r, 100));
  const s = jail.stats();
  assert.ok(s.replacements >= 3, `replacements ${s.replacements}`);
  assert.equal(s.workers, 2);
});
