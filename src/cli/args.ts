// Shared option handling for the codejail-wasm commands.
import type { CodejailLimits } from '../jail/types.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderrIsTty: boolean;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, stderrIsTty: process.stderr.isTTY === true };
}

/** Write bytes or text and wait until the stream has taken them. */
export function writeAll(stream: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (data.length === 0) { resolve(); return; }
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export function parseNumber(name: string, v: string | undefined, opts: { integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a non-negative ${opts.integer ? 'integer' : 'number'} (got '${v}')`);
  }
  return n;
}

/** --cpu/--realtime (seconds), --vmem/--fsize (bytes; k/M/G suffixes accepted). */
export function limitsFromOptions(values: { cpu?: string; realtime?: string; vmem?: string; fsize?: string }): Partial<CodejailLimits> {
  const out: Partial<CodejailLimits> = {};
  const cpu = parseNumber('cpu', values.cpu);
  const realtime = parseNumber('realtime', values.realtime);
  const vmem = parseBytes('vmem', values.vmem);
  const fsize = parseBytes('fsize', values.fsize);
  if (cpu !== undefined) out.CPU = cpu;
  if (realtime !== undefined) out.REALTIME = realtime;
  if (vmem !== undefined) out.VMEM = vmem;
  if (fsize !== undefined) out.FSIZE = fsize;
  return out;
}

export function parseBytes(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+)\s*([kKmMgG]?)i?[bB]?\s*$/.exec(v);
  if (!m) throw new UsageError(`--${name} must be a byte count such as 268435456, 256M or 1G (got '${v}')`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function parseSeeds(v: string | undefined, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  const seeds = v.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) >= 2 ** 31) throw new UsageError(`--seeds: '${s}' is not an integer in [0, 2**31)`);
    return Number(s);
  });
  if (seeds.length === 0) throw new UsageError('--seeds needs at least one seed');
  return seeds;
}
