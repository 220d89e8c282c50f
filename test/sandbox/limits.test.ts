// Limits enforced by the host, each with codejail's status: CPU -> fuel (-24), REALTIME ->
// wall clock read inside the run (-9), VMEM -> MemoryError (1), FSIZE -> EFBIG, output caps,
// no processes. After every failure the next request on the pool is served normally, by the
// same workers: only a stuck host is ever terminated (by the watchdog).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { runCode, startJail, startStuckHostJail, text } from '../support/jail.js';
import { FUEL_PER_CPU_SECOND } from '../../src/sandbox/fuel.js';
import { startNumpyJail } from '../numpy/helpers.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 2, outputLimitBytes: 1 << 20 });
});
after(async () => {
  await jail.close();
});

/** Above the largest charge of one check in the shipped runtimes (the post-link logs print it:
 * a few thousand units, against FUEL_PER_CPU_SECOND in the tens of billions). */
const MAX_CHECK_CHARGE = 100_000;

async function assertHealthy(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const r = await runCode(jail, 'print(sum(range(10)))');
    assert.equal(r.status, 0);
    assert.equal(text(r.stdout), '45\n');
  }
}

test('an infinite loop exhausts the CPU fuel budget and ends as SIGXCPU (-24)', async () => {
  const budget = Math.round(0.05 * FUEL_PER_CPU_SECOND);
  // The same seed: it names the jail directory, whose hash shapes dict layouts and so the work.
  const a = await runCode(jail, 'while True:\n    pass\n', { CPU: 0.05, REALTIME: 30 }, { seed: 11 });
  const b = await runCode(jail, 'while True:\n    pass\n', { CPU: 0.05, REALTIME: 30 }, { seed: 11 });
  assert.equal(a.status, -24);
  assert.equal(a.run.outcome, 'out_of_fuel');
  assert.equal(a.run.limitHit, 'CPU');
  // The check that finds the counter below zero ends the run: past the budget by less than that
  // check's charge (the code it guards, python-wasm/scripts/fuel-costs.mjs).
  assert.ok(a.run.fuelUsed > budget && a.run.fuelUsed <= budget + MAX_CHECK_CHARGE, `fuel used ${a.run.fuelUsed}, budget ${budget}`);
  assert.equal(b.run.fuelUsed, a.run.fuelUsed, 'the same code and seed stop at the same instruction every time');
  await assertHealthy();
});

test('REALTIME ends a CPU-bound loop from inside the run (-9): no worker terminated or replaced', async () => {
  const before = jail.stats();
  for (const code of ['while True:\n    pass\n', 'd = {}\ni = 0\nwhile True:\n    d[i] = str(i)\n    i += 1\n']) {
    // CPU far above REALTIME, so only the wall clock can end it first.
    const r = await runCode(jail, code, { CPU: 1000, REALTIME: 0.5 });
    assert.equal(r.status, -9);
    assert.equal(r.run.outcome, 'timed_out');
    assert.equal(r.run.limitHit, 'REALTIME');
    assert.equal(r.run.detail, undefined, 'ended by the run itself, not the watchdog');
    assert.ok(r.run.fuelUsed > 0);
  }
  const after = jail.stats();
  assert.equal(after.replacements, before.replacements);
  assert.equal(after.watchdogTerminations, before.watchdogTerminations);
  await assertHealthy();
});

test('the numpy variant ends at its CPU budget too (-24, just past it), whichever fuel pass built it', async () => {
  // python-numpy.wasm may predate the pass that calls the host below zero (it traps instead).
  const numpy = await startNumpyJail(1);
  try {
    const budget = Math.round(0.05 * FUEL_PER_CPU_SECOND);
    const r = await runCode(numpy, 'while True:\n    pass\n', { CPU: 0.05, REALTIME: 30 });
    assert.deepEqual([r.status, r.run.outcome, r.run.limitHit], [-24, 'out_of_fuel', 'CPU']);
    assert.ok(r.run.fuelUsed > budget && r.run.fuelUsed <= budget + MAX_CHECK_CHARGE, `fuel used ${r.run.fuelUsed}, budget ${budget}`);
    const ok = await runCode(numpy, 'import numpy\nprint(int(numpy.arange(10).sum()))', { REALTIME: 30 });
    assert.equal(text(ok.stdout), '45\n');
  } finally {
    await numpy.close();
  }
});

test('the same CPU-bound script fails at the same point every time (deterministic fuel)', async () => {
  const code = 'i = 0\nwhile True:\n    i += 1\n    if i % 100000 == 0:\n        print(i, flush=True)\n';
  const a = await runCode(jail, code, { CPU: 0.02, REALTIME: 30 }, { seed: 12 });
  const b = await runCode(jail, code, { CPU: 0.02, REALTIME: 30 }, { seed: 12 });
  assert.equal(a.status, -24);
  assert.deepEqual([a.status, text(a.stdout), a.run.fuelUsed], [b.status, text(b.stdout), b.run.fuelUsed]);
  assert.ok(text(a.stdout).length > 0, 'flushed output before the limit is kept');
});

test('time.sleep past REALTIME ends the run as SIGKILL (-9) without waiting for it', async () => {
  const replacements = jail.stats().replacements;
  const r = await runCode(jail, 'import time\nprint("before", flush=True)\ntime.sleep(1e9)\n', { REALTIME: 1 });
  assert.equal(r.status, -9);
  assert.equal(r.run.outcome, 'timed_out');
  assert.equal(r.run.limitHit, 'REALTIME');
  assert.equal(text(r.stdout), 'before\n');
  // Ended by the program-time check inside the worker, not by the watchdog killing it.
  assert.equal(jail.stats().replacements, replacements);
  await assertHealthy();
});

test('short sleeps within REALTIME really sleep and succeed', async () => {
  const r = await runCode(jail, 'import time\nt = time.monotonic()\ntime.sleep(0.2)\nprint(time.monotonic() - t >= 0.19)\n', { REALTIME: 2 });
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), 'True\n');
});

test('a stuck host: the wall-clock watchdog terminates the worker (-9), counts it, and the pool replaces it', async () => {
  // Fault injection: workers of this jail never end a run by REALTIME themselves.
  const stuck = await startStuckHostJail({ workers: 1, outputLimitBytes: 1 << 20 });
  try {
    // No CPU limit (clamped to the operator maximum), so only the watchdog can stop it.
    const r = await stuck.jailCode({ command: 'python', code: 'while True:\n    pass\n', limits: { CPU: 0, REALTIME: 0.1 } });
    assert.equal(r.status, -9);
    assert.equal(r.run.outcome, 'timed_out');
    assert.equal(r.run.detail, 'watchdog terminated the worker');
    assert.deepEqual([stuck.stats().replacements, stuck.stats().watchdogTerminations], [1, 1]);
    const ok = await runCode(stuck, 'print(sum(range(10)))');
    assert.equal(text(ok.stdout), '45\n');
  } finally {
    await stuck.close();
  }
});

test('VMEM caps memory: a big allocation raises MemoryError (status 1), not a host crash', async () => {
  const r = await runCode(jail, 'x = bytearray(200 * 1024 * 1024)\n', { VMEM: 64 * 1024 * 1024 });
  assert.equal(r.status, 1);
  assert.match(text(r.stderr), /MemoryError\n$/);
  const ok = await runCode(jail, 'x = bytearray(20 * 1024 * 1024)\nprint(len(x))\n', { VMEM: 64 * 1024 * 1024 });
  assert.equal(text(ok.stdout), '20971520\n');
  await assertHealthy();
});

test('memory grown by one run is gone for the next (instance replaced after growth)', async () => {
  const big = await runCode(jail, 'x = bytearray(100 * 1024 * 1024)\nprint("ok")\n', { REALTIME: 30 });
  assert.equal(text(big.stdout), 'ok\n');
  await assertHealthy();
});

test('grow memory, then print: output still arrives (views rebuilt after memory.grow)', async () => {
  const r = await runCode(jail, 'x = bytearray(60 << 20)\nprint("after growth", len(x))\nimport gc; gc.collect()\nprint("still fine")\n', { REALTIME: 30 });
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), 'after growth 62914560\nstill fine\n');
});

test('FSIZE 0 (codejail default): writing a file fails with "File too large"', async () => {
  const r = await runCode(jail, 'f = open("tmp/out.txt", "w")\nf.write("hello")\nf.close()\n');
  assert.equal(r.status, 1);
  assert.match(text(r.stderr), /OSError: \[Errno \d+\] File too large/);
  assert.equal(r.run.limitHit, 'FSIZE');
});

test('FSIZE allows files up to the limit and refuses the byte past it', async () => {
  const ok = await runCode(jail, 'with open("tmp/a", "w") as f:\n    f.write("x" * 100)\nprint(open("tmp/a").read() == "x" * 100)\n', { FSIZE: 100 });
  assert.equal(text(ok.stdout), 'True\n');
  const bad = await runCode(jail, 'with open("tmp/a", "w") as f:\n    f.write("x" * 101)\n', { FSIZE: 100 });
  assert.equal(bad.status, 1);
  assert.match(text(bad.stderr), /File too large/);
});

test('stdout past the output cap is cut with a marker; the run itself completes', async () => {
  const r = await runCode(jail, 'import sys\nfor _ in range(5000):\n    sys.stdout.write("y" * 1000)\nprint("done", file=sys.stderr)\n');
  assert.equal(r.status, 0);
  assert.equal(r.run.stdoutTruncated, true);
  assert.equal(r.run.limitHit, 'OUTPUT');
  assert.match(text(r.stdout), /\[codejail-wasm: output truncated at 1048576 bytes\]\n$/);
  assert.equal(text(r.stderr), 'done\n');
});

test('no processes: os.fork, os.system and subprocess fail cleanly, as under codejail', async () => {
  const r = await runCode(jail, [
    'import os, subprocess',
    'for name, fn in [("fork", lambda: os.fork()), ("system", lambda: os.system("ls")), ("run", lambda: subprocess.run(["ls"]))]:',
    '    try:',
    '        print(name, "returned", fn())',
    '    except (OSError, AttributeError, RuntimeError) as e:',
    '        print(name, type(e).__name__)',
  ].join('\n'));
  assert.equal(r.status, 0, text(r.stderr));
  // fork as at codejail's NPROC limit; system's and run's exec refused (system: exit status 127).
  assert.equal(text(r.stdout), 'fork BlockingIOError\nsystem returned 32512\nrun PermissionError\n');
});

test('unbounded recursion with a huge recursion limit is contained and the pool survives', async () => {
  const r = await runCode(jail, 'import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1) + 1\nf(0)\n', { CPU: 1, REALTIME: 5 });
  assert.notEqual(r.status, 0);
  await assertHealthy();
});

test('deep C recursion (nested list repr) past the C stack is contained', async () => {
  const r = await runCode(jail, 'import sys\nsys.setrecursionlimit(10**6)\nx = []\nfor _ in range(200000):\n    x = [x]\nprint(len(repr(x)))\n', { CPU: 5, REALTIME: 20 });
  assert.notEqual(r.status, 0);
  await assertHealthy();
});

test('an infinite generator into list() is stopped by fuel or memory, never the host', async () => {
  const r = await runCode(jail, 'import itertools\nx = list(itertools.count())\n', { CPU: 1, REALTIME: 20, VMEM: 128 << 20 });
  assert.ok(r.status === -24 || r.status === 1, `status ${r.status}`);
  await assertHealthy();
});
