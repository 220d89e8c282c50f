// Run every case through both runners for each seed and build the report model.
import type { Jail } from '../jail/jail.js';
import type { CompareCase } from './cases.js';
import { compareSides, sameResult, VERDICT_ORDER, type Verdict } from './diff.js';
import { platformNotes, type PlatformNote } from './platformNotes.js';
import { runLegacy, runWasm, type RunOptions, type SideResult } from './runners.js';

export interface SeedReport {
  seed: number;
  verdict: Verdict;
  diff: string;
  /** Set when the legacy side gave a different result on a second run (time, hash, addresses...). */
  legacyNondeterministic?: boolean;
  legacy: SideResult | null;
  wasm: SideResult | null;
  skipped?: string;
}

export interface CaseReport {
  id: string;
  source: string;
  kind: CompareCase['kind'];
  capa: boolean;
  verdict: Verdict;
  notes: PlatformNote[];
  seeds: SeedReport[];
}

export interface CompareSummary {
  total: number;
  identical: number;
  different: number;
  legacyOnlyFailed: number;
  wasmOnlyFailed: number;
  errors: number;
  skipped: number;
  /** Non-identical cases for which at least one known platform difference was flagged. */
  withPlatformNotes: number;
}

export interface CompareReport {
  tool: 'codejail-wasm compare';
  generatedAt: string;
  python: string;
  limits: RunOptions['limits'];
  seeds: number[];
  summary: CompareSummary;
  cases: CaseReport[];
  warnings: string[];
}

export interface CompareOptions extends RunOptions {
  seeds: number[];
  /** Cases run at the same time (each runs legacy and wasm concurrently). */
  jobs: number;
  onProgress?: (done: number, total: number, current: string) => void;
}

function worst(verdicts: Verdict[]): Verdict {
  const real: Verdict[] = verdicts.filter((v) => v !== 'skipped');
  if (real.length === 0) return 'skipped';
  return VERDICT_ORDER.find((v) => real.includes(v)) ?? 'identical';
}

export function summarise(cases: CaseReport[]): CompareSummary {
  const count = (v: Verdict): number => cases.filter((c) => c.verdict === v).length;
  return {
    total: cases.length,
    identical: count('identical'),
    different: count('different'),
    legacyOnlyFailed: count('legacy-only-failed'),
    wasmOnlyFailed: count('wasm-only-failed'),
    errors: count('error'),
    skipped: count('skipped'),
    withPlatformNotes: cases.filter((c) => c.verdict !== 'identical' && c.notes.length > 0).length,
  };
}

/** A report has differences when any case is neither identical nor skipped. */
export function hasDifferences(r: CompareReport): boolean {
  return r.cases.some((c) => c.verdict !== 'identical' && c.verdict !== 'skipped');
}

export async function compareCases(jail: Jail, cases: CompareCase[], opts: CompareOptions, warnings: string[] = []): Promise<CompareReport> {
  // Groups: a case and the cases that depend on it run seed by seed in order.
  const byId = new Map(cases.map((c) => [c.id, c]));
  const groups: CompareCase[][] = [];
  const groupOf = new Map<string, CompareCase[]>();
  for (const c of cases) {
    const parent = c.dependsOn ? groupOf.get(c.dependsOn) : undefined;
    if (c.dependsOn && !byId.has(c.dependsOn)) throw new Error(`case ${c.id} depends on unknown case ${c.dependsOn}`);
    if (parent) { parent.push(c); groupOf.set(c.id, parent); continue; }
    const g = [c];
    groups.push(g);
    groupOf.set(c.id, g);
  }
  const reports = new Map<string, CaseReport>(cases.map((c) => [c.id, {
    id: c.id, source: c.source, kind: c.kind, capa: c.capa, verdict: 'identical' as Verdict, notes: [], seeds: [],
  }]));
  const totalRuns = cases.reduce((n, c) => n + (c.seeds ?? opts.seeds).length, 0);
  let done = 0;

  const runGroup = async (group: CompareCase[]): Promise<void> => {
    const seeds = group[0]!.seeds ?? opts.seeds;
    for (const seed of seeds) {
      const legacyGlobals = new Map<string, string | null>();
      for (const c of group) {
        const rep = reports.get(c.id)!;
        opts.onProgress?.(done, totalRuns, `${c.id} (seed ${seed})`);
        const prior = c.dependsOn ? legacyGlobals.get(c.dependsOn) ?? null : null;
        const globalsJson = c.globalsFor(seed, prior);
        if (globalsJson === null) {
          rep.seeds.push({ seed, verdict: 'skipped', diff: '', legacy: null, wasm: null, skipped: c.skipReason ?? 'skipped' });
          done++;
          continue;
        }
        const [legacy, wasm] = await Promise.all([runLegacy(c, seed, globalsJson, opts), runWasm(jail, c, seed, globalsJson, opts)]);
        legacyGlobals.set(c.id, legacy.ok ? legacy.globals : null);
        const cmp = compareSides(legacy, wasm);
        const sr: SeedReport = { seed, verdict: cmp.verdict, diff: cmp.diff, legacy, wasm };
        if (cmp.verdict !== 'identical' && cmp.verdict !== 'error') {
          // Is the legacy side even reproducible? Run it once more to tell.
          const again = await runLegacy(c, seed, globalsJson, opts);
          if (!sameResult(legacy, again)) sr.legacyNondeterministic = true;
          for (const n of platformNotes(c.code, legacy, wasm)) {
            if (!rep.notes.some((x) => x.id === n.id)) rep.notes.push(n);
          }
          if (sr.legacyNondeterministic && !rep.notes.some((x) => x.id === 'nondeterministic')) {
            rep.notes.push({ id: 'nondeterministic', text: 'the legacy side itself gave a different result on a second run with the same input' });
          }
        }
        rep.seeds.push(sr);
        done++;
      }
    }
    for (const c of group) {
      const rep = reports.get(c.id)!;
      rep.verdict = worst(rep.seeds.map((s) => s.verdict));
    }
  };

  // A small pool over the groups.
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(opts.jobs, groups.length)) }, async () => {
    while (next < groups.length) await runGroup(groups[next++]!);
  });
  await Promise.all(workers);
  opts.onProgress?.(totalRuns, totalRuns, '');
  const caseReports = cases.map((c) => reports.get(c.id)!);
  return {
    tool: 'codejail-wasm compare',
    generatedAt: new Date().toISOString(),
    python: opts.python,
    limits: opts.limits,
    seeds: opts.seeds,
    summary: summarise(caseReports),
    cases: caseReports,
    warnings,
  };
}
