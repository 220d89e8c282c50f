// Hostile requests against the pool itself: files that cannot be laid out, caller-supplied
// trees too deep or too large, and replacement workers that fail to start. None may crash or
// replace a worker, hold memory for long, or leave the pool smaller than it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { BadRequestError, type JailCodeResult } from '../../src/jail/types.js';
import { recovered, startJail, text } from '../support/jail.js';

const enc = new TextEncoder();

async function assertServes(jail: Jail, workers: number): Promise<void> {
  const rs = await Promise.all(Array.from({ length: workers * 2 }, (_, i) =>
    jail.jailCode({ command: 'python', code: `print(${i} * 7)`, limits: { REALTIME: 20 } })));
  rs.forEach((r, i) => assert.equal(text(r.stdout), `${i * 7}\n`, text(r.stderr)));
}


function rejectedAsBadFiles(p: Promise<JailCodeResult>, message: RegExp): Promise<void> {
  return assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof BadRequestError, `${e.name}: ${e.message}`);
    assert.equal(e.field, 'files');
    assert.match(e.message, message);
    return true;
  });
}

test('deny_pool_files_that_cannot_be_laid_out_are_refused_without_crashing_a_worker', async () => {
  const jail = await startJail({ workers: 2 });
  try {
    const one = enc.encode('1');
    await rejectedAsBadFiles(jail.jailCode({ command: 'python', code: 'print(1)', files: [{ path: 'a', content: one }, { path: 'a/b', content: one }] }),
      /^cannot place a\/b: a is a file$/);
    await rejectedAsBadFiles(jail.jailCode({ command: 'python', code: 'print(1)', files: [{ path: 'a/b', content: one }, { path: 'a', content: one }] }),
      /^cannot place a: it is also a directory$/);
    await assertServes(jail, 2);
    assert.equal(jail.stats().replacements, 0);
  } finally {
    await jail.close();
  }
});

test('deny_pool_deep_or_huge_caller_trees_are_refused_before_they_are_built', async () => {
  const jail = await startJail({ workers: 2 });
  try {
    const base = process.memoryUsage.rss();
    let peak = base;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
    // The reproduction: 4,000 paths, 2,000 levels deep (it cost 852 MB and a worker).
    const deep = Array.from({ length: 4000 }, (_, i) => ({ path: `d${i}/${'a/'.repeat(2000)}f`, content: new Uint8Array(0) }));
    const wide = Array.from({ length: 30_000 }, (_, i) => ({ path: `w/f${i}`, content: new Uint8Array(0) }));
    const deepRun = jail.jailCode({ command: 'python', code: 'print(1)', files: deep });
    const wideRun = jail.jailCode({ command: 'python', code: 'print(1)', files: wide });
    await rejectedAsBadFiles(deepRun, /^cannot place d0\/(a\/){2000}f: more than 256 directories deep$/);
    await rejectedAsBadFiles(wideRun, /: more than 20000 files and directories$/);
    clearInterval(timer);
    // The request bodies themselves are held by this process (~70 MB of path strings, cloned
    // to the worker); the trees they describe (millions of nodes) are never built.
    assert.ok(peak - base < 512 * 1024 * 1024, `host memory grew by ${peak - base} bytes`);
    await assertServes(jail, 2);
    assert.equal(jail.stats().replacements, 0);
  } finally {
    await jail.close();
  }
});

test('support_pool_replacement_workers_that_fail_to_start_are_retried_until_the_pool_is_whole', async () => {
  // Injected: the next 3 replacement starts fail (as under memory pressure); the 4th works.
  process.env.CODEJAIL_WASM_TEST_FAIL_WORKER_STARTS = '3';
  const jail = await startJail({ workers: 2 });
  delete process.env.CODEJAIL_WASM_TEST_FAIL_WORKER_STARTS;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const spin = await jail.jailCode({ command: 'python', code: 'while True:\n    pass', limits: { CPU: 0, REALTIME: 0.1 } });
    assert.equal(spin.status, -9);
    // Served meanwhile by the remaining worker.
    await assertServes(jail, 1);
    await recovered(jail, 2);
    assert.equal(jail.stats().replacements, 1);
    assert.equal(warnings.filter((w) => /a replacement worker failed to start \(injected worker start failure\); retrying in \d+ ms/.test(w)).length, 3, warnings.join('\n'));
    await assertServes(jail, 2);
  } finally {
    process.off('warning', onWarning);
    await jail.close();
  }
});
