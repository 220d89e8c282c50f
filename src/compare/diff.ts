// Comparing two safe_exec results: a verdict and a readable unified diff (the `diff` package's).
// What explains a difference is platformNotes.ts's.
import { structuredPatch } from 'diff';
import { splitTopLevel } from './jsontext.js';
import type { SideResult } from './runners.js';

export type Verdict = 'identical' | 'different' | 'legacy-only-failed' | 'wasm-only-failed' | 'error' | 'skipped';

/** Severity order for summarising several seeds into one verdict. */
export const VERDICT_ORDER: Verdict[] = ['error', 'wasm-only-failed', 'legacy-only-failed', 'different', 'identical', 'skipped'];

/** Most line edits the diff looks for; texts further apart show as one block replaced, so that
 * two long unrelated outputs cost little (Myers' diff is quadratic in the edits). */
const MAX_EDIT_LENGTH = 2000;

/** Unified diff of two texts by lines (the `diff` package), lines as `text.split('\n')` gives them. */
export function unifiedDiff(a: string, b: string, labelA: string, labelB: string, context = 3): string {
  if (a === b) return '';
  // Every line given a '\n', so that a text's last line needs no "\ No newline" marker.
  const A = a.split('\n');
  const B = b.split('\n');
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  const patch = structuredPatch(labelA, labelB, text(A), text(B), undefined, undefined, { context, maxEditLength: MAX_EDIT_LENGTH });
  const hunks = patch?.hunks ?? [{
    oldStart: 1, oldLines: A.length, newStart: 1, newLines: B.length, lines: [...A.map((l) => `-${l}`), ...B.map((l) => `+${l}`)],
  }];
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  for (const h of hunks) out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
  return out.join('\n');
}

/** Per-key diff of two globals JSON texts (values compared as compact JSON text, losslessly). */
export function globalsDiff(a: string, b: string): string {
  let ka: [string, string][];
  let kb: [string, string][];
  try {
    ka = splitTopLevel(a);
    kb = splitTopLevel(b);
  } catch {
    return unifiedDiff(a, b, 'legacy globals', 'wasm globals');
  }
  const ma = new Map(ka);
  const mb = new Map(kb);
  const lines: string[] = [];
  const keys = [...new Set([...ka.map(([k]) => k), ...kb.map(([k]) => k)])];
  for (const k of keys) {
    const va = ma.get(k);
    const vb = mb.get(k);
    if (va === vb) continue;
    if (va !== undefined) lines.push(`-${JSON.stringify(k)}: ${va}`);
    if (vb !== undefined) lines.push(`+${JSON.stringify(k)}: ${vb}`);
  }
  return lines.length ? ['--- legacy globals', '+++ wasm globals', ...lines].join('\n') : '';
}

export interface SeedComparison {
  verdict: Verdict;
  /** Readable diff of status, globals, stdout, stderr (empty when identical). */
  diff: string;
}

export function compareSides(legacy: SideResult, wasm: SideResult): SeedComparison {
  if (legacy.error || wasm.error) {
    const diff = [legacy.error ? `legacy runner error: ${legacy.error}` : '', wasm.error ? `wasm runner error: ${wasm.error}` : '']
      .filter(Boolean).join('\n');
    return { verdict: 'error', diff };
  }
  const parts: string[] = [];
  if (legacy.status !== wasm.status) parts.push(`status: legacy ${legacy.status}, wasm ${wasm.status}`);
  if (legacy.ok && wasm.ok) {
    const g = globalsDiff(legacy.globals!, wasm.globals!);
    if (g) parts.push(g);
  } else {
    const d = unifiedDiff(legacy.stdout, wasm.stdout, 'legacy stdout', 'wasm stdout');
    if (d) parts.push(d);
  }
  const e = unifiedDiff(legacy.stderr, wasm.stderr, 'legacy stderr', 'wasm stderr');
  if (e) parts.push(e);
  if (parts.length === 0) return { verdict: 'identical', diff: '' };
  const verdict: Verdict = legacy.ok === wasm.ok && (legacy.status === 0) === (wasm.status === 0)
    ? 'different'
    : legacy.ok && !wasm.ok ? 'wasm-only-failed' : !legacy.ok && wasm.ok ? 'legacy-only-failed' : 'different';
  return { verdict, diff: parts.join('\n') };
}

/** Whether two results of the same side are the same (used to spot nondeterministic code). */
export function sameResult(a: SideResult, b: SideResult): boolean {
  return a.status === b.status && a.stdout === b.stdout && a.stderr === b.stderr && a.error === b.error;
}
