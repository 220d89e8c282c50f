// CI entry: run the security suite in SABOTAGE mode (every case through the native legacy
// runner: real python3, real filesystem, no isolation) and exit 0 only if exactly the deny_*
// cases failed. A deny_* case that passes natively tests nothing (its attack never worked);
// an allow_*/support_* case that fails natively asserts something codejail itself does not do.
// Cases marked nativeSkip (resource attacks and warm-instance threats with no native analogue)
// must be reported as skipped, and are counted separately.
//
//   node dist/test/security/sabotage-check.js
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases.js';

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

function main(): number {
  const suite = fileURLToPath(new URL('./escape.test.js', import.meta.url));
  const child = spawnSync(process.execPath, ['--test', '--test-reporter=tap', suite], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      CODEJAIL_WASM_SABOTAGE: '1',
      // In the suite's initial environment, so that a native /proc/PID/environ read can find it.
      CODEJAIL_WASM_SECURITY_CANARY: `S3CRET-${randomBytes(12).toString('hex')}`,
    },
  });
  const tap = child.stdout ?? '';
  const got = parseTap(tap);
  const problems: string[] = [];
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
  for (const name of got.keys()) {
    if (!CASES.some((c) => c.name === name)) problems.push(`${name}: reported but not a known case`);
  }
  for (const line of tap.split('\n')) if (/security/.test(line) && line.startsWith('#')) console.log(line.replace(/^# \\#/, '#'));
  const deny = CASES.filter((c) => c.name.startsWith('deny_'));
  console.log(`sabotage-check: ${CASES.length} cases; deny_ failed natively ${counts.denyFailed}/${deny.filter((c) => !c.nativeSkip).length}, `
    + `skipped natively ${counts.denySkipped} (${CASES.filter((c) => c.nativeSkip).length} marked), `
    + `allow_/support_ passed natively ${counts.otherPassed}/${CASES.length - deny.length}`);
  if (child.status === null) problems.push(`suite did not finish: ${child.signal ?? child.error?.message}`);
  if (problems.length > 0) {
    console.error(`sabotage-check FAILED:\n  ${problems.join('\n  ')}`);
    if (got.size === 0) console.error(child.stderr?.slice(-4000));
    return 1;
  }
  console.log('sabotage-check OK: exactly the deny_ cases failed natively');
  return 0;
}

if (process.env.NODE_TEST_CONTEXT) {
  // Picked up as a test file by `node --test dist/test/` (every .js under a test/ directory is):
  // the sabotage run is a separate CI step, not part of the normal suite.
  console.log('sabotage-check: skipped under node --test; run `node dist/test/security/sabotage-check.js`');
} else {
  process.exitCode = main();
}
