// The worker's wait after posting a reply (replyHandover.ts) is bounded and optional: it never
// holds a worker whose reply nobody takes, and a taken reply leaves the flag set for the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyHandover } from '../../src/sandbox/replyHandover.js';

test('a reply nobody takes does not hold the worker, with or without a spare worker', () => {
  for (const spare of [0, 1]) {
    const flag = ReplyHandover.sharedInt32();
    const spares = ReplyHandover.sharedInt32();
    Atomics.store(spares, 0, spare);
    let sent = 0;
    new ReplyHandover(flag, spares).post(() => sent++);
    assert.equal(sent, 1);
    assert.equal(Atomics.load(flag, 0), 0);
  }
});

test('the pool taking a reply sets the worker\'s flag, which the next post clears again', () => {
  const flag = ReplyHandover.sharedInt32();
  const spares = ReplyHandover.sharedInt32();
  Atomics.store(spares, 0, 1);
  const handover = new ReplyHandover(flag, spares);
  // Taken while the reply is being sent (as the pool thread would, once it has it).
  handover.post(() => ReplyHandover.taken(flag));
  assert.equal(Atomics.load(flag, 0), 1);
  handover.post(() => undefined);
  assert.equal(Atomics.load(flag, 0), 0);
});
