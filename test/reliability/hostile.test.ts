// Hostile requests against the pool itself: files that cannot be laid out, caller-supplied
// trees too deep or too large, and replacement workers that fail to start. None may crash or
// replace a worker, hold memory for long, or leave the pool smaller than it was. The sandbox is
// driven directly (RunRequests, no jail), so its own checks are what is tested, whatever the
// jail or the HTTP layer check before it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/Sandbox.js';
import { TEST_FAULT_SWITCHES } from '../../src/sandbox/testFaults.js';
import type { RunRequest, SandboxFile } from '../../src/sandbox/types.js';
import { recovered, startStuckHostJail, text } from '../support/jail.js';

const CWD = '/tmp/codejail-hostile';
let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ image: loadBaseImage({ verify: false }), workers: 2, queueLimit: 16, warmups: [] });
});
after(async () => {
  await sandbox?.pool.close();
});

function request(code: string, files: SandboxFile[] = []): RunRequest {
  return {
    argv: ['python', '-E', '-B', '-c', code], env: {}, cwd: CWD, files, stdin: new Uint8Array(0), seed: null,
    limits: {
      fuel: 0, fuelPerSecond: 1, realtimeMs: 0, watchdogMs: 60_000, memoryBytes: 0, fileSizeBytes: 0,
      diskQuotaBytes: 1 << 20, maxFiles: 100, stdoutBytes: 1 << 20, stderrBytes: 1 << 20,
    },
  };
}

/** Every worker (and then some) still answers, and none was replaced. */
async function poolServes(): Promise<void> {
  const rs = await Promise.all([1, 2, 3, 4].map((i) => sandbox.pool.run(request(`print(${i} * 7)`))));
  rs.forEach((r, i) => assert.equal(text(r.stdout), `${(i + 1) * 7}\n`, text(r.stderr)));
  assert.deepEqual([sandbox.pool.stats().workers, sandbox.pool.stats().replacements], [2, 0]);
}

function refused(files: SandboxFile[], message: RegExp): Promise<void> {
  return assert.rejects(sandbox.pool.run(request('print(1)', files)), (e: Error & { field?: string }) => {
    assert.equal(e.name, 'RejectedRunError', `${e.name}: ${e.message}`);
    assert.equal(e.field, 'files');
    assert.match(e.message, message);
    return true;
  });
}

const file = (path: string): SandboxFile => ({ path: `${CWD}/${path}`, data: new Uint8Array([49]) });

test('deny_pool_files_that_cannot_be_laid_out_are_refused_without_crashing_a_worker', async () => {
  // It used to throw inside the worker: the run was reported as crashed (-11).
  await refused([file('a'), file('a/b')], /^cannot place a\/b: a is a file$/);
  await refused([file('a/b'), file('a')], /^cannot place a: it is also a directory$/);
  await poolServes();
});

test('deny_pool_deep_or_huge_caller_trees_are_refused_before_they_are_built', async () => {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  // The reproduction: 4,000 paths, 2,000 levels deep (it cost 852 MB and a worker).
  const deep = Array.from({ length: 4000 }, (_, i) => file(`d${i}/${'a/'.repeat(2000)}f`));
  const wide = Array.from({ length: 30_000 }, (_, i) => file(`w/f${i}`));
  try {
    await Promise.all([
      refused(deep, /^cannot place d0\/(a\/){2000}f: more than 256 directories deep$/),
      refused(wide, /: more than 20000 files and directories$/),
    ]);
  } finally {
    clearInterval(timer); // also when refused() fails: a live interval would keep the test file running for ever
  }
  // The requests themselves are held here and cloned to a worker (~35 MB of path strings);
  // the trees they describe (millions of nodes) are never built.
  assert.ok(peak - base < 512 * 1024 * 1024, `host memory grew by ${peak - base} bytes`);
  await poolServes();
});

test('support_pool_replacement_workers_that_fail_to_start_are_retried_until_the_pool_is_whole', async () => {
  // Injected: the next 3 replacement starts fail (as under memory pressure); the 4th works.
  process.env[TEST_FAULT_SWITCHES.failWorkerStarts] = '3';
  // The spinner must cost a worker: a stuck host, which only the watchdog stops (REALTIME
  // otherwise ends a run from inside it, keeping the worker).
  const jail = await startStuckHostJail({ workers: 2 });
  delete process.env[TEST_FAULT_SWITCHES.failWorkerStarts];
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const spin = await jail.jailCode({ command: 'python', code: 'while True:\n    pass', limits: { CPU: 0, REALTIME: 0.1 } });
    assert.equal(spin.status, -9);
    // Served meanwhile by the remaining worker.
    await jailServes(jail, 1);
    await recovered(jail, 2);
    assert.equal(jail.stats().replacements, 1);
    assert.equal(warnings.filter((w) => /a replacement worker failed to start \(injected worker start failure\); retrying in \d+ ms/.test(w)).length, 3, warnings.join('\n'));
    await jailServes(jail, 2);
  } finally {
    process.off('warning', onWarning);
    await jail.close();
  }
});

async function jailServes(jail: Jail, workers: number): Promise<void> {
  const rs = await Promise.all(Array.from({ length: workers * 2 }, (_, i) =>
    jail.jailCode({ command: 'python', code: `print(${i} * 7)`, limits: { REALTIME: 20 } })));
  rs.forEach((r, i) => assert.equal(text(r.stdout), `${i * 7}\n`, text(r.stderr)));
}
