// Problems from an OLX course export (a directory or a .tar.gz of one): problem/*.xml and
// problems inline in vertical/*.xml. For each problem with Python, capa's script run
// (safe_exec of all <script> text with the capa prolog and globals {seed, anonymous_student_id})
// and, for every <customresponse cfn="..."> with a sample answer, capa's check-function call
// (make_check_function: script + "\ncfn_return = cfn(expect, ans)\n", globals {expect, ans}).
import { readFile, stat } from 'node:fs/promises';
import { readTree, InputError, type CompareCase } from './cases.js';
import { pyStrOfJson, splitTopLevel } from './jsontext.js';
import { readTarGz } from './tar.js';
import { findAll, parseXml, textContent, type XmlElement } from './xml.js';

/** capa's anonymous_student_id in the problem context; any fixed value will do. */
export const COMPARE_STUDENT_ID = 'codejail-wasm-compare';

/** Input elements whose correct_answer gives a sample answer. */
const INPUT_TAGS = ['textline', 'textbox', 'formulaequationinput', 'jsinput'];

export interface OlxProblem {
  /** e.g. 'problem/ohms_law.xml' or 'vertical/unit1.xml#quiz1'. */
  location: string;
  displayName: string | null;
  /** All <script> text concatenated, as capa's _extract_context builds all_code. */
  scriptCode: string;
  checks: OlxCheck[];
  /** Responses not compared, with why (no sample answer, exec-style <answer>, ...). */
  skipped: string[];
}

export interface OlxCheck {
  cfn: string;
  /** expect= (or answer=) before $-substitution; null when absent. */
  expect: string | null;
  /** correct_answer= of each input, before $-substitution. */
  answers: (string | null)[];
  index: number;
}

/** capa's script collection: every <script> except javascript/perl, in document order. */
function scriptCodeOf(problem: XmlElement): string {
  let all = '';
  for (const s of findAll(problem, 'script')) {
    const type = s.attrs.type ?? '';
    if (type.includes('javascript') || type.includes('perl')) continue;
    all += textContent(s);
  }
  return all;
}

export function problemFromXml(location: string, el: XmlElement): OlxProblem {
  const checks: OlxCheck[] = [];
  const skipped: string[] = [];
  findAll(el, 'customresponse').forEach((cr, index) => {
    const cfn = cr.attrs.cfn;
    if (!cfn) {
      skipped.push(`customresponse #${index + 1}: no cfn (exec-style <answer> is not compared)`);
      return;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cfn)) {
      skipped.push(`customresponse #${index + 1}: cfn '${cfn}' is not a plain function name`);
      return;
    }
    if (cr.attrs.cfn_extra_args) skipped.push(`customresponse #${index + 1}: cfn_extra_args ignored`);
    const inputs = INPUT_TAGS.flatMap((t) => findAll(cr, t));
    const answers = inputs.map((i) => i.attrs.correct_answer ?? null);
    const expect = cr.attrs.expect ?? cr.attrs.answer ?? null;
    const hasSample = inputs.length <= 1 ? (expect !== null || answers[0] != null) : answers.every((a) => a !== null);
    if (!hasSample) {
      skipped.push(`customresponse #${index + 1} (${cfn}): no sample answer (expect= or correct_answer=)`);
      return;
    }
    checks.push({ cfn, expect, answers, index });
  });
  return { location, displayName: el.attrs.display_name ?? null, scriptCode: scriptCodeOf(el), checks, skipped };
}

/** Find the course root inside the file map: the shallowest directory with course.xml (or problem/). */
function courseRoot(files: Map<string, Uint8Array>): string {
  const candidates = [...files.keys()]
    .filter((p) => p === 'course.xml' || p.endsWith('/course.xml'))
    .map((p) => p.slice(0, p.length - 'course.xml'.length));
  if (candidates.length === 0) {
    const probs = [...files.keys()].filter((p) => /(^|\/)(problem|vertical)\/[^/]+\.xml$/.test(p));
    if (probs.length === 0) throw new InputError('no course.xml, problem/ or vertical/ found in the course export');
    candidates.push(...probs.map((p) => p.replace(/(problem|vertical)\/[^/]+\.xml$/, '')));
  }
  return candidates.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0]!;
}

/** All problems with Python in a course (file map from a directory or an archive). */
export function problemsFromFiles(files: Map<string, Uint8Array>): { problems: OlxProblem[]; warnings: string[] } {
  const root = courseRoot(files);
  const problems: OlxProblem[] = [];
  const warnings: string[] = [];
  const inDir = (dir: string): string[] => [...files.keys()]
    .filter((p) => p.startsWith(root + dir + '/') && p.endsWith('.xml') && !p.slice(root.length + dir.length + 1).includes('/'))
    .sort();
  const parse = (path: string): XmlElement | null => {
    try {
      return parseXml(Buffer.from(files.get(path)!).toString('utf8'));
    } catch (e) {
      warnings.push(`${path.slice(root.length)}: ${(e as Error).message}`);
      return null;
    }
  };
  for (const path of inDir('problem')) {
    const el = parse(path);
    if (el) problems.push(problemFromXml(path.slice(root.length), el));
  }
  for (const path of inDir('vertical')) {
    const el = parse(path);
    if (!el) continue;
    findAll(el, 'problem').forEach((p, i) => {
      // <problem url_name="x"/> with no content is a pointer to problem/x.xml, already read.
      if (p.children.every((c) => typeof c === 'string' && c.trim() === '')) return;
      problems.push(problemFromXml(`${path.slice(root.length)}#${p.attrs.url_name ?? `problem${i + 1}`}`, p));
    });
  }
  return { problems: problems.filter((p) => p.scriptCode.trim() !== '' || p.checks.length > 0), warnings };
}

/** Load a course from a directory or a .tar.gz export. */
export async function loadCourse(path: string): Promise<{ problems: OlxProblem[]; warnings: string[] }> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  const files = st.isDirectory() ? await readTree(path) : readTarGz(await readFile(path));
  return problemsFromFiles(files);
}

/** capa's contextualize_text: replace $name by str(value), longest names first. */
export function contextualizeText(text: string, globalsJson: string): string {
  const ctx = splitTopLevel(globalsJson);
  const keys = ctx.map(([k]) => k).sort((a, b) => b.length - a.length);
  const values = new Map(ctx);
  let out = text;
  for (const k of keys) {
    if (out.includes('$' + k)) out = out.split('$' + k).join(pyStrOfJson(values.get(k)!));
  }
  return out;
}

/** The compare cases for a course's problems: one script case per problem and one per check. */
export function courseCases(label: string, problems: OlxProblem[]): CompareCase[] {
  const cases: CompareCase[] = [];
  for (const p of problems) {
    const scriptId = `${label}:${p.location}`;
    cases.push({
      id: scriptId, source: p.location, kind: 'problem', capa: true, code: p.scriptCode,
      globalsFor: (seed) => JSON.stringify({ seed, anonymous_student_id: COMPARE_STUDENT_ID }),
    });
    for (const chk of p.checks) {
      cases.push({
        id: `${scriptId} → ${chk.cfn}()${p.checks.length > 1 ? ` #${chk.index + 1}` : ''}`,
        source: p.location, kind: 'check', capa: true,
        code: `${p.scriptCode}\ncfn_return = ${chk.cfn}(expect, ans)\n`,
        dependsOn: scriptId,
        skipReason: 'the problem script failed on the legacy side, so no context for expect/ans',
        globalsFor: (_seed, prior) => {
          if (prior === null) return null;
          // capa's context after the script: the script's globals (json_safe) plus seed etc.
          const ctx = contextualize(chk, prior);
          return JSON.stringify({ expect: ctx.expect, ans: ctx.ans });
        },
      });
    }
  }
  return cases;
}

function contextualize(chk: OlxCheck, globalsJson: string): { expect: string | null; ans: string | string[] } {
  const sub = (s: string | null): string | null => (s === null ? null : contextualizeText(s, globalsJson));
  const expect = sub(chk.expect);
  const answers = chk.answers.map(sub);
  if (answers.length <= 1) {
    // A single input: the sample answer is expect= when given (capa's get_answers), else correct_answer=.
    return { expect, ans: expect ?? answers[0] ?? '' };
  }
  return { expect, ans: answers.map((a) => a ?? '') };
}
