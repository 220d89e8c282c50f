// CI entry: run the security suite in SABOTAGE mode (every case through the native legacy
// runner: real python3, real filesystem, no isolation) and exit 0 only if exactly the deny_*
// cases failed. A deny_* case that passes natively tests nothing (its attack never worked);
// an allow_*/support_* case that fails natively asserts something codejail itself does not do.
// Cases marked nativeSkip (resource attacks and warm-instance threats with no native analogue)
// must be reported as skipped, and are counted separately. Then, for each sandbox defence a
// case names (DEFENCES in cases.ts), the suite runs in the sandbox with that defence switched
// off: exactly the cases naming it must fail.
//
//   node dist/test/security/sabotage-check.js
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CASES, DEFENCES, type Defence } from './cases.js';

type Verdict = 'pass' | 'fail' | 'skip';

export function parseTap(tap: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  for (const line of tap.split('\n')) {
    // Top-level results only: "ok 3 - name", "not ok 4 - name", "ok 5 - name # SKIP why".
    const m = /^(not ok|ok) \d+ - (\S+)(?: # (SKIP|TODO)\b.*)?$/.exec(line);
    if (!m) continue;
    out.set(m[2]!, m[3] === 'SKIP' ? 'skip' : m[1] === 'ok' ? 'pass' : 'fail');
  }
  return out;
}

/** Run the escape suite in a child with `env` added; its top-level verdicts and its TAP. */
function runSuite(env: Record<string, string>): { got: Map<string, Verdict>; tap: string; problems: string[]; stderr: string } {
  const suite = fileURLToPath(new URL('./escape.test.js', import.meta.url));
  const child = spawnSync(process.execPath, ['--test', '--test-reporter=tap', suite], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  const tap = child.stdout ?? '';
  const got = parseTap(tap);
  const problems: string[] = [];
  if (child.status === null) problems.push(`suite did not finish: ${child.signal ?? child.error?.message}`);
  for (const name of got.keys()) {
    if (!CASES.some((c) => c.name === name)) problems.push(`${name}: reported but not a known case`);
  }
  for (const line of tap.split('\n')) if (/security/.test(line) && line.startsWith('#')) console.log(line.replace(/^# \\#/, '#'));
  return { got, tap, problems, stderr: child.stderr ?? '' };
}

/** Pass 1: every case natively (no isolation). Exactly the deny_* cases must fail. */
function nativePass(): string[] {
  const { got, problems, stderr } = runSuite({
    CODEJAIL_WASM_SABOTAGE: '1',
    // In the suite's initial environment, so that a native /proc/PID/environ read can find it.
    CODEJAIL_WASM_SECURITY_CANARY: `S3CRET-${randomBytes(12).toString('hex')}`,
  });
  const counts = { denyFailed: 0, denySkipped: 0, otherPassed: 0 };
  for (const c of CASES) {
    const v = got.get(c.name);
    const isDeny = c.name.startsWith('deny_');
    const want: Verdict = c.nativeSkip ? 'skip' : isDeny ? 'fail' : 'pass';
    if (v === undefined) { problems.push(`${c.name}: not reported`); continue; }
    if (v !== want) {
      problems.push(`${c.name}: ${v} natively, expected ${want}${isDeny && v === 'pass' ? ' (the attack does not work natively: the case tests nothing)' : ''}`);
      continue;
    }
    if (isDeny && v === 'fail') counts.denyFailed++;
    else if (v === 'skip') counts.denySkipped++;
    else counts.otherPassed++;
  }
  const deny = CASES.filter((c) => c.name.startsWith('deny_'));
  console.log(`sabotage-check: ${CASES.length} cases; deny_ failed natively ${counts.denyFailed}/${deny.filter((c) => !c.nativeSkip).length}, `
    + `skipped natively ${counts.denySkipped} (${CASES.filter((c) => c.nativeSkip).length} marked), `
    + `allow_/support_ passed natively ${counts.otherPassed}/${CASES.length - deny.length}`);
  if (got.size === 0) console.error(stderr.slice(-4000));
  return problems;
}

/** Pass 2, per defence: the sandbox with that defence switched off. The cases that name it must
 * fail (each would notice the defence missing); every other case is skipped. */
function defencePass(defence: Defence): string[] {
  const off = Object.fromEntries(DEFENCES[defence].map((variable) => [variable, '1']));
  const { got, problems, stderr } = runSuite({ CODEJAIL_WASM_SABOTAGE_DEFENCE: defence, ...off });
  let failed = 0;
  const mine = CASES.filter((c) => c.defence === defence);
  for (const c of CASES) {
    const v = got.get(c.name);
    const want: Verdict = c.defence === defence ? 'fail' : 'skip';
    if (v === undefined) problems.push(`${c.name}: not reported (${defence} off)`);
    else if (v !== want) problems.push(`${c.name}: ${v} with ${defence} off, expected ${want}${v === 'pass' ? ' (the case does not notice the defence missing)' : ''}`);
    else if (v === 'fail') failed++;
  }
  console.log(`sabotage-check: ${defence} off in the sandbox: its deny_ cases failed ${failed}/${mine.length}`);
  if (got.size === 0) console.error(stderr.slice(-4000));
  return problems;
}

function main(): number {
  const problems = nativePass();
  for (const d of Object.keys(DEFENCES) as Defence[]) {
    if (!CASES.some((c) => c.defence === d)) problems.push(`defence ${d}: no case names it`);
    problems.push(...defencePass(d));
  }
  for (const c of CASES) {
    if (c.defence && !c.name.startsWith('deny_')) problems.push(`${c.name}: only deny_* cases name a defence`);
  }
  if (problems.length > 0) {
    console.error(`sabotage-check FAILED:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log('sabotage-check OK: exactly the deny_ cases failed natively, and each sabotaged defence\'s cases failed without it');
  return 0;
}

if (process.env.NODE_TEST_CONTEXT) {
  // Picked up as a test file by `node --test dist/test/` (every .js under a test/ directory is):
  // the sabotage run is a separate CI step, not part of the normal suite.
  console.log('sabotage-check: skipped under node --test; run `node dist/test/security/sabotage-check.js`');
} else {
  process.exitCode = main();
}
