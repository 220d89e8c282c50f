// A queued run whose caller is gone (client disconnected) is dropped before it starts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 1 });
});
after(async () => {
  await jail.close();
});

test('aborting a queued request removes it from the queue; the running one finishes', async () => {
  const running = jail.jailCode({ command: 'python', code: 'import time\ntime.sleep(0.3)\nprint("done")', limits: { REALTIME: 5 } });
  const ac = new AbortController();
  const queued = jail.jailCode({ command: 'python', code: 'print("never")', signal: ac.signal });
  assert.equal(jail.stats().queued, 1);
  ac.abort();
  await assert.rejects(queued, { name: 'CancelledError' });
  assert.equal(jail.stats().queued, 0);
  const r = await running;
  assert.equal(text(r.stdout), 'done\n');
  // Aborting after a run started changes nothing: it completes.
  const ac2 = new AbortController();
  const started = jail.jailCode({ command: 'python', code: 'print(6 * 7)', signal: ac2.signal });
  let settled = false;
  void started.finally(() => { settled = true; }).catch(() => {});
  // Wait until a worker has taken it (a fixed delay is not enough on a loaded machine); a run so
  // quick that it ended between two polls has been taken too.
  while (jail.stats().busy === 0 && !settled) await new Promise((r) => setTimeout(r, 5));
  ac2.abort();
  const ok = await started;
  assert.equal(text(ok.stdout), '42\n');
});
