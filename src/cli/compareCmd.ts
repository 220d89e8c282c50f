// `codejail-wasm compare`: run scripts, payloads and course problems through the legacy
// native runner and the wasm jail, and report where they differ.
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createJail } from '../jail/jail.js';
import { defaultPolicy } from '../jail/limits.js';
import { InputError, loadInputs, type CompareCase } from '../compare/cases.js';
import { compareCases, hasDifferences } from '../compare/compare.js';
import { courseCases, loadCourse } from '../compare/olx.js';
import { renderHtml, renderJson, renderTable } from '../compare/report.js';
import { limitsFromOptions, parseNumber, parseSeeds, UsageError, writeAll, type Io } from './args.js';

export const COMPARE_USAGE = `usage: codejail-wasm compare [options] <dir|file.py|payloads.json>... [--course <olx-dir|export.tar.gz>]...

Runs each input as codejail's safe_exec through the legacy native runner (python -E -B, as codejail
does) and through the wasm jail, for several seeds, and reports identical / different / failed on
one side only. Exit status: 0 when everything is identical, 1 on any difference, 2 on bad usage.

inputs:
  file.py               a script, run as safe_exec code with globals {}
  payloads.json         [{"name", "code", "globals_dict", "seeds", "python_path", "files", "extra_files", "capa"}]
                        (files: [{"path", "content" | "content_base64"}], extra_files: [{"name", ...}])
  dir                   every .py and .json file below it
  --course PATH         an OLX course export (directory or .tar.gz): every problem's Python
                        (problem/*.xml and problems inline in vertical/*.xml) with capa's prolog,
                        and each <customresponse cfn=...> check called with its sample answer
options:
  --seeds 1,2,3         seeds (capa's random seed with the prolog; the sandbox seed always)
  --capa                wrap scripts and payloads in capa's prolog (always on for courses)
  --python PATH         native interpreter for the legacy side (default /usr/bin/python3)
  --json FILE           write the machine-readable report
  --html FILE           write a self-contained HTML report
  --cpu S --realtime S --vmem BYTES --fsize BYTES
                        limits for both sides (default CPU 1, REALTIME 3, VMEM 0, FSIZE 0)
  --jobs N              cases run at once (default 2)
  --no-diff             table only, no diffs on the terminal
  --quiet               no progress line
`;

const OPTIONS = {
  seeds: { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  python: { type: 'string' },
  capa: { type: 'boolean' },
  course: { type: 'string', multiple: true },
  cpu: { type: 'string' },
  realtime: { type: 'string' },
  vmem: { type: 'string' },
  fsize: { type: 'string' },
  jobs: { type: 'string' },
  'no-diff': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEFAULT_SEEDS = [1, 2, 3];

export async function compareCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    await writeAll(io.stdout, COMPARE_USAGE);
    return 0;
  }
  const courses = values.course ?? [];
  if (positionals.length === 0 && courses.length === 0) throw new UsageError('compare: no inputs given');
  const seeds = parseSeeds(values.seeds, DEFAULT_SEEDS);
  const limits = { CPU: 1, REALTIME: 3, ...limitsFromOptions(values) };
  const jobs = parseNumber('jobs', values.jobs, { integer: true }) ?? 2;
  const python = values.python ?? '/usr/bin/python3';

  const cases: CompareCase[] = [];
  const warnings: string[] = [];
  try {
    cases.push(...(await loadInputs(positionals, values.capa === true)));
    for (const c of courses) {
      const { problems, warnings: w } = await loadCourse(c);
      const label = basename(c.replace(/\/+$/, ''));
      warnings.push(...w.map((x) => `${label}: ${x}`));
      for (const p of problems) for (const s of p.skipped) warnings.push(`${label}:${p.location}: ${s}`);
      if (problems.length === 0) warnings.push(`${label}: no problems with Python found`);
      cases.push(...courseCases(label, problems));
    }
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
  if (cases.length === 0) throw new UsageError('compare: the inputs hold no scripts, payloads or problems');

  const progress = !values.quiet && io.stderrIsTty;
  const jail = await createJail({ policy: defaultPolicy(), workers: Math.max(1, Math.min(jobs, 4)), queueLimit: 256, outputLimitBytes: 8 * 1024 * 1024 });
  let report;
  try {
    report = await compareCases(jail, cases, {
      seeds, jobs: Math.max(1, jobs), python, limits,
      onProgress: progress ? (done, total, current) => {
        const line = current ? `[${done}/${total}] ${current}` : `[${done}/${total}] done`;
        io.stderr.write(`\r\x1b[K${line.slice(0, 150)}${current ? '' : '\n'}`);
      } : undefined,
    }, warnings);
  } finally {
    await jail.close();
  }
  await writeAll(io.stdout, renderTable(report, { diffs: !values['no-diff'] }));
  if (values.json) await writeFile(values.json, renderJson(report));
  if (values.html) await writeFile(values.html, renderHtml(report));
  return hasDifferences(report) ? 1 : 0;
}
