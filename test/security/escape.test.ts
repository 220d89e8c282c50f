// Escape attempts against the sandbox, each with its precise outcome, a check that nothing on
// the host changed (canary file and dir, marker paths, process env, loopback listeners, host
// memory) and a check that the next requests are served normally.
//
// CODEJAIL_WASM_SABOTAGE=1 runs the same cases through the native legacy runner instead
// (no isolation): every deny_* case must then FAIL and every allow_*/support_* case PASS;
// `node dist/test/security/sabotage-check.js` verifies exactly that. It then runs the suite
// again in the sandbox with one defence switched off (CODEJAIL_WASM_SABOTAGE_DEFENCE, see
// DEFENCES in cases.ts): only the cases that name that defence run, and each must fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, dump, type Category, type SecurityCase } from './cases.js';
import { HostFixture, SABOTAGE, SABOTAGED_DEFENCE, startRunner, type CaseResult, type HostContext, type Runner } from './runners.js';

let runner: Runner;
let host: HostFixture;
let ctx: HostContext;

/** errno number -> name, from the interpreter under test (WASI and Linux numbers differ). */
let errnoNames = new Map<number, string>();
/** Aliases that share a number: report the one the cases use. */
const ERRNO_ALIAS: Record<string, string> = { EOPNOTSUPP: 'ENOTSUP', EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTCAPABLE: 'EPERM' };

before(async () => {
  host = await HostFixture.start();
  ctx = host.ctx;
  runner = await startRunner();
  const r = await runner.jailCode({ code: 'import errno, json\nprint(json.dumps(errno.errorcode))', limits: { REALTIME: 30 } });
  assert.equal(r.status, 0, dump(r));
  errnoNames = new Map(Object.entries(JSON.parse(r.stdout) as Record<string, string>)
    .map(([n, name]) => [Number(n), ERRNO_ALIAS[name] ?? name]));
});

/** "[Errno 2]" -> "[Errno ENOENT]": cases assert the errno by name, whatever its number. */
function byErrnoName(s: string): string {
  return s.replace(/\[Errno (\d+)\]/g, (m, n: string) => {
    const name = errnoNames.get(Number(n));
    return name ? `[Errno ${name}]` : m;
  });
}

const outcomes = new Map<string, 'pass' | 'fail' | 'skip'>();

after(async () => {
  await runner?.close();
  await host?.close();
  const cats = [...new Set(CASES.map((c) => c.category))];
  const part = (cat: Category): string => {
    const deny = CASES.filter((c) => c.category === cat && c.name.startsWith('deny_'));
    const other = CASES.filter((c) => c.category === cat && !c.name.startsWith('deny_'));
    const count = (list: SecurityCase[], what: 'pass' | 'fail' | 'skip') => list.filter((c) => outcomes.get(c.name) === what).length;
    const skipped = count(deny, 'skip') + count(other, 'skip');
    return `${cat} ${count(deny, 'pass')}/${deny.length} contained, ${count(other, 'pass')}/${other.length} allowed`
      + (skipped ? ` (${skipped} skipped)` : '');
  };
  const mode = SABOTAGE ? 'SABOTAGE (native legacy runner, deny_* expected to fail)'
    : SABOTAGED_DEFENCE ? `SABOTAGE (sandbox without ${SABOTAGED_DEFENCE}, its cases expected to fail)` : 'sandbox';
  console.log(`# security [${mode}]: ${cats.map(part).join('; ')}`);
  const deny = CASES.filter((c) => c.name.startsWith('deny_'));
  console.log(`# security total: ${deny.filter((c) => outcomes.get(c.name) === 'pass').length}/${deny.length} escapes contained, `
    + `${CASES.filter((c) => !c.name.startsWith('deny_') && outcomes.get(c.name) === 'pass').length}/${CASES.length - deny.length} allow/support pass`);
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Generous wall-clock limits unless a case is about them: the machine may be heavily loaded,
 * and the watchdog (REALTIME x 4 + 1 s) must not decide cases that test something else. */
const DEFAULT_LIMITS = { REALTIME: 20 } as const;

async function runCase(c: SecurityCase): Promise<CaseResult> {
  const limits = { ...DEFAULT_LIMITS, ...c.limits };
  const r = c.safeExecGlobals
    ? await runner.safeExec({ code: c.code(ctx), globalsJson: c.safeExecGlobals(ctx), limits })
    : await runner.jailCode({ code: c.code(ctx), limits, stdin: c.stdin, libraries: c.libraries });
  return { ...r, stdout: byErrnoName(r.stdout), stderr: byErrnoName(r.stderr), emsg: r.emsg === undefined ? undefined : byErrnoName(r.emsg) };
}

/** The next requests (one per worker and then some) are served normally. */
async function assertServes(): Promise<void> {
  const rs = await Promise.all(range(runner.spread).map(() => runner.jailCode({ code: 'print(sum(range(10)))', limits: DEFAULT_LIMITS })));
  for (const r of rs) {
    assert.equal(r.status, 0, `the next request failed: ${dump(r)}`);
    assert.equal(r.stdout, '45\n');
  }
  const w = runner.workers();
  if (w !== null) assert.equal(w, 2, 'the pool lost a worker');
}

/** Peak resident memory of this process while `fn` runs (workers are threads of it). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

/** Host memory may grow by the output cap, the sandbox's memory and quota, never by what the program asked for. */
const HOST_GROWTH_BOUND = 768 * 1024 * 1024;

for (const c of CASES) {
  const skip = SABOTAGE && c.nativeSkip ? `sabotage mode: ${c.nativeSkip}`
    : SABOTAGED_DEFENCE && c.defence !== SABOTAGED_DEFENCE ? `sabotage of ${SABOTAGED_DEFENCE}: not a case of it` : false;
  test(c.name, { skip, timeout: 180_000 }, async () => {
    const baseline = host.state();
    try {
      if (c.setup) {
        const setup = c.setup;
        const rs = await Promise.all(range(runner.spread).map(() => runner.jailCode({ code: setup.code(ctx), limits: { ...DEFAULT_LIMITS, ...setup.limits } })));
        for (const r of rs) assert.equal(r.outcome, 'complete', `setup request: ${dump(r)}`);
      }
      const n = c.everyWorker ? runner.spread : 1;
      const { value: results, growth } = await withPeakRss(() => Promise.all(range(n).map(() => runCase(c))));
      for (const r of results) c.expect(r, ctx);
      assert.deepEqual(host.state(), baseline, 'the host changed: canary, canary dir, marker paths, env or listeners');
      const bound = c.hostGrowthBound ?? HOST_GROWTH_BOUND;
      assert.ok(growth < bound, `host memory grew by ${growth} bytes (bound ${bound})`);
      await assertServes();
      outcomes.set(c.name, 'pass');
    } catch (e) {
      outcomes.set(c.name, 'fail');
      throw e;
    } finally {
      host.repair(baseline);
    }
  });
  if (skip) outcomes.set(c.name, 'skip');
}
