// Health state and the startup self-test that gates it (as codejail-service's startup_check:
// the service only reports healthy, and only executes code, once real runs have shown that
// code executes correctly and that a denied action is denied).
import type { JailService } from '../jail/types.js';
import { parsePyJson } from '../jail/pyjson.js';

export type HealthStatus = 'starting' | 'ok' | 'failed' | 'stopping';

export class HealthState {
  status: HealthStatus = 'starting';
  detail: string[] = [];
  isOk(): boolean {
    return this.status === 'ok';
  }
  set(status: HealthStatus, detail: string[] = []): void {
    this.status = status;
    this.detail = detail;
  }
}

export interface SelfTestResult {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

async function check(name: string, fn: () => Promise<string | true>): Promise<{ name: string; ok: boolean; detail: string }> {
  try {
    const r = await fn();
    return r === true ? { name, ok: true, detail: 'passed' } : { name, ok: false, detail: r };
  } catch (e) {
    return { name, ok: false, detail: `uncaught exception from check: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** Run the startup checks against a real jail. */
export async function runSelfTest(jail: JailService): Promise<SelfTestResult> {
  const checks = [];
  checks.push(
    await check('Basic code execution', async () => {
      const r = await jail.safeExec({ code: 'x = x + 1', globalsJson: '{"x": 16}', slug: 'startup-check' });
      if (!r.ok) return `unexpected error: ${r.emsg}`;
      const g = parsePyJson(r.globalsJson);
      if (g.t !== 'dict') return 'returned globals are not an object';
      const x = g.entries.get('x');
      if (!x) return 'x not in returned globals';
      if (x.t !== 'int' || x.raw !== '17') return `returned global x != 17 (was ${JSON.stringify(r.globalsJson)})`;
      return true;
    }),
  );
  checks.push(
    await check('Block sandbox escape by disk access', async () => {
      const r = await jail.jailCode({
        command: 'python',
        code: "data = open('/etc/passwd').read()\nprint('ESCAPED', len(data))\n",
        slug: 'startup-check',
      });
      const out = Buffer.from(r.stdout).toString('utf8');
      if (r.status === 0 || out.includes('ESCAPED')) return `expected an error, but the code read /etc/passwd (status ${r.status})`;
      const err = Buffer.from(r.stderr).toString('utf8');
      if (!/Error/.test(err)) return `expected a Python error on stderr, got status ${r.status}: ${err.slice(0, 500)}`;
      return true;
    }),
  );
  return { ok: checks.every((c) => c.ok), checks };
}
