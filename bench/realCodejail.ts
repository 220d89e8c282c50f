// The real codejail 4.1.1 as a benchmark runner: the release from ../shared/peer-suites, installed
// the way its own Dockerfile does (setup-real-codejail.sh: a `sandbox` user, the sandbox venv at
// /home/sandbox/codejail_sandbox, sudo rules; no AppArmor, which these machines lack), driven by
// long-lived Python processes that import it and call `safe_exec`, as a Django worker of
// edx-platform does. Each call runs a fresh `sudo -u sandbox python` with codejail's rlimits.
// Available only as root with sudo; otherwise `startRealCodejail` says why not.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { repoRoot } from '../src/runtime/artifacts.js';
import type { CodejailLimits } from '../src/jail/types.js';

const VENV = '/home/sandbox/codejail_sandbox';
const TARGET = '/var/tmp/codejail-wasm-real-codejail';

const HELPER = `
import json, logging, os, sys
# codejail logs a warning for each run it kills at REALTIME: bench:limits causes that on purpose.
logging.disable(logging.WARNING)
sys.path.insert(0, os.environ["CJW_REAL_CODEJAIL"])
from codejail import jail_code, safe_exec
jail_code.configure("python", os.environ["CJW_REAL_VENV"] + "/bin/python", user="sandbox")
for name, value in json.loads(os.environ["CJW_REAL_LIMITS"]).items():
    jail_code.set_limit(name, value)
jail_code.set_limit("PROXY", 0)
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    if req.get("op") == "jail_code":
        out = {"status": jail_code.jail_code("python", code=req["code"]).status}
    else:
        try:
            safe_exec.safe_exec(req["code"], json.loads(req["globals"]))
            out = {"ok": True}
        except safe_exec.SafeExecException as e:
            out = {"ok": False, "error": str(e)[:300]}
    print(json.dumps(out), flush=True)
`;

class Helper {
  private readonly lines: AsyncIterator<string>;
  private readonly rl: Interface;
  constructor(private readonly proc: ChildProcess) {
    this.rl = createInterface({ input: proc.stdout! });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done) throw new Error('the real codejail helper exited');
    return line.value;
  }

  async exec(code: string, globalsJson: string): Promise<{ ok: boolean; error?: string }> {
    this.proc.stdin!.write(JSON.stringify({ code, globals: globalsJson }) + '\n');
    return JSON.parse(await this.next()) as { ok: boolean; error?: string };
  }

  async jailCode(code: string): Promise<{ status: number }> {
    this.proc.stdin!.write(JSON.stringify({ op: 'jail_code', code }) + '\n');
    return JSON.parse(await this.next()) as { status: number };
  }

  close(): void {
    this.rl.close();
    this.proc.stdin!.end();
  }
}

export interface RealCodejail {
  /** safe_exec through one of the helpers (a free one: calls may overlap up to the helper count). */
  exec(code: string, globalsJson: string): Promise<{ ok: boolean; error?: string }>;
  /** jail_code("python", code=...) through one of the helpers: the child's exit status. */
  jailCode(code: string): Promise<{ status: number }>;
  close(): void;
  description: string;
}

/** Install (idempotent) and start `helpers` Python processes driving the real codejail. */
export async function startRealCodejail(limits: Partial<CodejailLimits>, helpers: number): Promise<RealCodejail | { unavailable: string }> {
  if (process.getuid?.() !== 0) return { unavailable: 'needs root (sudo to the sandbox user, as codejail is deployed)' };
  if (spawnSync('sh', ['-c', 'command -v sudo']).status !== 0) return { unavailable: 'sudo is not installed' };
  const peer = join(repoRoot(), '..', 'shared', 'peer-suites');
  const setup = join(peer, 'codejail-tests', 'setup-real-codejail.sh');
  if (!existsSync(setup) || !existsSync(join(peer, 'codejail-4.1.1.tar.gz'))) return { unavailable: `no ${setup}` };
  const installed = spawnSync('bash', [setup, TARGET], { encoding: 'utf8' });
  if (installed.status !== 0) return { unavailable: `setup-real-codejail.sh failed: ${(installed.stderr || installed.stdout).trim().split('\n').pop()}` };
  const env = {
    ...process.env, CJW_REAL_CODEJAIL: join(TARGET, 'codejail-4.1.1'), CJW_REAL_VENV: VENV,
    CJW_REAL_LIMITS: JSON.stringify(limits), PYTHONDONTWRITEBYTECODE: '1',
  };
  const pool: Helper[] = [];
  try {
    for (let i = 0; i < helpers; i++) {
      const h = new Helper(spawn('/usr/bin/python3', ['-c', HELPER], { env, stdio: ['pipe', 'pipe', 'inherit'] }));
      pool.push(h);
      if ((await h.next()) !== 'ready') throw new Error('the helper did not start');
    }
    const check = await pool[0]!.exec('x = 1', '{}');
    if (!check.ok) throw new Error(`safe_exec of x = 1 failed: ${check.error}`);
  } catch (e) {
    for (const h of pool) h.close();
    return { unavailable: `the real codejail does not run here: ${(e as Error).message}` };
  }
  const free = [...pool];
  const waiting: ((h: Helper) => void)[] = [];
  const withHelper = async <T>(use: (h: Helper) => Promise<T>): Promise<T> => {
    const h = free.pop() ?? (await new Promise<Helper>((resolve) => waiting.push(resolve)));
    try {
      return await use(h);
    } finally {
      const next = waiting.shift();
      if (next) next(h);
      else free.push(h);
    }
  };
  return {
    description: `codejail 4.1.1 (${TARGET}), sudo -u sandbox ${VENV}/bin/python, no AppArmor, ${helpers} caller processes`,
    exec: (code, globalsJson) => withHelper((h) => h.exec(code, globalsJson)),
    jailCode: (code) => withHelper((h) => h.jailCode(code)),
    close() {
      for (const h of pool) h.close();
    },
  };
}
