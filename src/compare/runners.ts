// One safe_exec of a case on each side: the legacy native runner (codejail's way, with
// /usr/bin/python3) and the wasm jail. Both results are reduced to the same shape, with the
// jail directory name normalised as edx's darklaunch comparison does.
import type { Jail } from '../jail/jail.js';
import { readGlobalsOutput } from '../jail/globalsOutput.js';
import { safeExecExceptionMessage } from '../jail/runOutput.js';
import type { CodejailLimits } from '../jail/types.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../jail/wrapper.js';
import { legacyJailCode } from '../legacy/nativeCodejail.js';
import { codeFor, type CompareCase } from './cases.js';

export interface SideResult {
  /** safe_exec returned globals. */
  ok: boolean;
  status: number;
  /** Globals JSON text (normalised) when ok. */
  globals: string | null;
  /** Raw program output (normalised); when ok, stdout is the globals. */
  stdout: string;
  stderr: string;
  /** SafeExecException text (normalised) when not ok. */
  emsg: string | null;
  /** Last line of stderr when it looks like an exception, for tables. */
  exception: string | null;
  wallMs: number;
  /** wasm only. */
  fuel?: number;
  outcome?: string;
  limitHit?: string;
  /** The runner itself threw (bad request, spawn failure): the message. */
  error?: string;
}

export const JAIL_DIR_RE = /\/tmp\/codejail-[A-Za-z0-9_]+/g;
export const JAIL_DIR_PLACEHOLDER = '/tmp/codejail-XXXXXXXX';

export function normalise(s: string): string {
  return s.replace(JAIL_DIR_RE, JAIL_DIR_PLACEHOLDER);
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function lastException(stderr: string): string | null {
  const lines = stderr.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b/.test(last) || /^[A-Za-z_][\w.]*: /.test(last) ? last : null;
}

/** A run's result as codejail's safe_exec sees it: the globals it decodes from stdout, else the
 * exception it raises (SafeExecException for a non-zero status, json.loads' error otherwise). */
function finish(status: number, stdout: Uint8Array, stderr: Uint8Array, wallMs: number): SideResult {
  const out = normalise(text(stdout));
  const err = normalise(text(stderr));
  const globals = status === 0 ? readGlobalsOutput(stdout) : null;
  const emsg = globals === null ? normalise(safeExecExceptionMessage(stdout, stderr, status))
    : globals.ok ? null : `${globals.exception}: ${globals.message}`;
  return {
    ok: emsg === null, status, globals: globals?.ok ? normalise(globals.globalsJson) : null, stdout: out, stderr: err, emsg,
    exception: lastException(err), wallMs,
  };
}

function errorResult(e: unknown): SideResult {
  const msg = (e as Error)?.message ?? String(e);
  return { ok: false, status: NaN, globals: null, stdout: '', stderr: '', emsg: null, exception: null, wallMs: 0, error: msg };
}

export interface RunOptions {
  python: string;
  limits: Partial<CodejailLimits>;
}

export async function runLegacy(c: CompareCase, seed: number, globalsJson: string, opts: RunOptions): Promise<SideResult> {
  try {
    const r = await legacyJailCode({
      command: 'python',
      code: buildSafeExecWrapper(c.pythonPath ?? []),
      stdin: buildSafeExecStdin(codeFor(c, seed), globalsJson),
      files: c.files,
      extraFiles: c.extraFiles,
      limits: opts.limits,
    }, { python: opts.python });
    return finish(r.status, r.stdout, r.stderr, r.wallMs);
  } catch (e) {
    return errorResult(e);
  }
}

export async function runWasm(jail: Jail, c: CompareCase, seed: number, globalsJson: string, opts: RunOptions): Promise<SideResult> {
  try {
    const r = await jail.safeExec({
      code: codeFor(c, seed),
      globalsJson,
      pythonPath: c.pythonPath,
      files: c.files,
      extraFiles: c.extraFiles,
      limits: opts.limits,
      seed,
      slug: `compare:${c.id}`,
    });
    const res = r.ok ? finish(0, r.run.stdout, r.run.stderr, r.run.wallMs) : finish(r.status, r.stdout, r.stderr, r.run.wallMs);
    res.fuel = r.run.fuelUsed;
    res.outcome = r.run.outcome;
    if (r.run.limitHit) res.limitHit = r.run.limitHit;
    return res;
  } catch (e) {
    return errorResult(e);
  }
}
