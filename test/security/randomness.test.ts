// Randomness a program sees: os.urandom comes from the host's CSPRNG unless the caller asks
// for a reproducible run, and nothing the program can see (its jail directory name, earlier
// requests) predicts it. The runs the jail hands to its workers are observed on the way (the
// Worker messages), so the tests see exactly what the sandbox was asked to do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import type { Jail } from '../../src/jail/jail.js';
import type { RunRequest } from '../../src/sandbox/types.js';
import { startJail, text } from '../support/jail.js';

let jail: Jail;
const sent: RunRequest[] = [];
const postMessage = Worker.prototype.postMessage;

before(async () => {
  jail = await startJail({ workers: 2 });
  Worker.prototype.postMessage = function (this: Worker, msg: unknown, ...rest: unknown[]) {
    const m = msg as { type?: string; request?: RunRequest };
    if (m?.type === 'run' && m.request) sent.push(m.request);
    return (postMessage as (...a: unknown[]) => void).call(this, msg, ...rest);
  } as typeof postMessage;
});
after(async () => {
  Worker.prototype.postMessage = postMessage;
  await jail.close();
});

const CODE = 'import os\nprint(os.getcwd(), os.urandom(16).hex())';

async function run(seed?: number): Promise<{ cwd: string; urandom: string; request: RunRequest }> {
  const before = sent.length;
  const r = await jail.jailCode({ command: 'python', code: CODE, seed, limits: { REALTIME: 20 } });
  assert.equal(r.status, 0, text(r.stderr));
  const [cwd, urandom] = text(r.stdout).trim().split(' ');
  assert.equal(sent.length, before + 1);
  return { cwd: cwd!, urandom: urandom!, request: sent[sent.length - 1]! };
}

test('deny_random_urandom_of_an_unseeded_request_cannot_be_replayed', async () => {
  const a = await run();
  // Whatever the sandbox was given to derive its randomness from, giving it again must not
  // reproduce the bytes: they must come from the host's CSPRNG, not from the request.
  if (a.request.seed !== null) {
    const replay = await run(a.request.seed);
    assert.notEqual(replay.urandom, a.urandom, `seed ${a.request.seed} reproduces the urandom bytes (and the jail dir ${replay.cwd})`);
  }
  assert.equal(a.request.seed, null, 'an unseeded request must read the host CSPRNG');
});

test('deny_random_jail_dir_names_are_fresh_and_say_nothing', async () => {
  const runs = [];
  for (let i = 0; i < 8; i++) runs.push(await run());
  assert.equal(new Set(runs.map((r) => r.cwd)).size, runs.length);
  assert.equal(new Set(runs.map((r) => r.urandom)).size, runs.length);
  for (const r of runs) assert.match(r.cwd, /^\/tmp\/codejail-[a-z0-9_]{8}$/);
});

test('support_random_an_explicit_seed_makes_a_run_reproducible', async () => {
  const a = await run(1234);
  const b = await run(1234);
  const c = await run(1235);
  assert.deepEqual([b.cwd, b.urandom], [a.cwd, a.urandom]);
  assert.notEqual(c.urandom, a.urandom);
  assert.notEqual(c.cwd, a.cwd);
});
