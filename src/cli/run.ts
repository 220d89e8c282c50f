// `codejail-wasm run [limits] script.py [args...]`: the script in the sandbox, as codejail's
// jail_code would run `python -E -B script.py args` (the script goes in as an extra file under
// its own base name so tracebacks show it), with the program's bytes and status passed through.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import { createJail } from '../jail/jail.js';
import { defaultPolicy } from '../jail/limits.js';
import { BadRequestError } from '../jail/types.js';
import { limitsFromOptions, parseNumber, UsageError, writeAll, type Io } from './args.js';

export const RUN_USAGE = `usage: codejail-wasm run [--cpu S] [--realtime S] [--vmem BYTES] [--fsize BYTES] [--seed N] script.py [args...]

Runs script.py in the wasm sandbox like \`python -E -B script.py args\` under codejail.
Standard input is read to end of file first (from a pipe, a file, or the terminal: end it with Ctrl-D).
Limits default to codejail's (CPU 1 s, REALTIME 1 s, VMEM unlimited, FSIZE 0); 0 for CPU, REALTIME
or VMEM means the operator maximum. The exit status is the program's; a run stopped by a limit
exits with 128+signal as a shell would report it (CPU: 152 = SIGXCPU, REALTIME/VMEM: 137 = SIGKILL).
`;

const RUN_OPTIONS = {
  cpu: { type: 'string' },
  realtime: { type: 'string' },
  vmem: { type: 'string' },
  fsize: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Split argv into our options and the script with its own arguments (which may look like options). */
export function splitRunArgs(argv: string[]): { ours: string[]; script: string | null; scriptArgs: string[] } {
  const ours: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    ours.push(a);
    const name = a.replace(/^--?/, '').split('=')[0]!;
    const takesValue = name in RUN_OPTIONS && (RUN_OPTIONS as Record<string, { type: string }>)[name]!.type === 'string';
    if (takesValue && !a.includes('=')) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      ours.push(argv[i + 1]!);
      i += 2;
    } else {
      i++;
    }
  }
  return { ours, script: argv[i] ?? null, scriptArgs: argv.slice(i + 1) };
}

async function readStdin(io: Io): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export function signalName(sig: number): string {
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === sig);
  return entry ? entry[0] : `signal ${sig}`;
}

const LIMIT_TEXT: Record<string, string> = {
  CPU: 'CPU time limit (fuel budget) exhausted',
  REALTIME: 'real-time limit exceeded',
  VMEM: 'memory limit (VMEM) exceeded',
  FSIZE: 'file size limit (FSIZE) exceeded',
  OUTPUT: 'output limit exceeded',
};

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { ours, script, scriptArgs } = splitRunArgs(argv);
  const { values } = parseArgs({ args: ours, options: RUN_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    await writeAll(io.stdout, RUN_USAGE);
    return 0;
  }
  if (!script) throw new UsageError('run: no script given');
  const limits = limitsFromOptions(values);
  const seed = parseNumber('seed', values.seed, { integer: true });
  let content: Uint8Array;
  try {
    content = await readFile(script);
  } catch (e) {
    await writeAll(io.stderr, `codejail-wasm: can't open file '${script}': ${(e as Error).message}\n`);
    return 2; // as python does
  }
  const name = basename(script);
  if (name === 'tmp' || name === 'jailed_code') throw new UsageError(`run: the script can't be called '${name}' (reserved in the jail directory)`);
  if (io.stdin.isTTY) await writeAll(io.stderr, 'codejail-wasm: reading standard input until end of file (Ctrl-D)...\n');
  const stdin = await readStdin(io);
  const jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 1, outputLimitBytes: 64 * 1024 * 1024 });
  try {
    let r;
    try {
      r = await jail.jailCode({ command: 'python', extraFiles: [{ name, content }], argv: [name, ...scriptArgs], stdin, limits, seed });
    } catch (e) {
      if (e instanceof BadRequestError) throw new UsageError(e.message);
      throw e;
    }
    await writeAll(io.stdout, r.stdout);
    await writeAll(io.stderr, r.stderr);
    if (r.run.stdoutTruncated || r.run.stderrTruncated) {
      await writeAll(io.stderr, 'codejail-wasm: output was truncated at the output limit\n');
    }
    if (r.status >= 0) return r.status;
    const sig = -r.status;
    const why = r.run.limitHit ? LIMIT_TEXT[r.run.limitHit] ?? `${r.run.limitHit} limit hit` : r.run.outcome === 'crashed' ? 'the interpreter crashed' : r.run.outcome;
    const l = r.effectiveLimits;
    await writeAll(io.stderr, `codejail-wasm: program killed by ${signalName(sig)}: ${why} ` +
      `(limits: CPU ${l.CPU} s, REALTIME ${l.REALTIME} s, VMEM ${l.VMEM} bytes, FSIZE ${l.FSIZE} bytes)\n`);
    return 128 + sig;
  } finally {
    await jail.close();
  }
}
