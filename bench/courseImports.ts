// What course code imports: the modules each problem's Python (capa's script run: all of a
// problem's <script> text) imports, and the libraries it uses through capa's assumed imports
// (numpy, math, scipy, calc, eia, chemcalc, chemtools, miller, draganddrop: names every capa
// problem may use without importing them), counted per problem over course exports, against
// what the default image's snapshot holds (the driver's held_modules() in a request, read from a real jail).
// The default image's preload list comes from this measure and from capa's assumed imports.
//
//   npm run build && node dist/bench/courseImports.js [course dir or .tar.gz ...]
//   (default: the courses under fixtures/courses)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCourse } from '../src/compare/olx.js';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { repoRoot } from '../src/runtime/artifacts.js';
import { loadImage } from '../src/runtime/layeredImages.js';

/** capa's assumed imports (edx-platform xmodule/capa/safe_exec): name in the script -> module. */
const CAPA_ASSUMED: Record<string, string> = {
  numpy: 'numpy', math: 'math', scipy: 'scipy', calc: 'calc', eia: 'eia', chemcalc: 'chem.chemcalc',
  chemtools: 'chem.chemtools', miller: 'chem.miller', draganddrop: 'verifiers.draganddrop',
};

/** Modules a piece of Python imports, and the assumed-import names it reads without binding them. */
const SCAN = `
import ast, json, sys
assumed = set(json.loads(sys.argv[1]))
out = []
for code in json.load(sys.stdin):
    mods, names = set(), set()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        out.append(None)
        continue
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                mods.add(a.name)
                bound.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module)
            bound.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in assumed and node.id not in bound:
            names.add(node.id)
    out.append({"modules": sorted(mods), "assumed": sorted(names)})
print(json.dumps(out))
`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fixtures = join(repoRoot(), 'fixtures', 'courses');
  const courses = args.length > 0 ? args : readdirSync(fixtures).sort().map((d) => join(fixtures, d));
  const scripts: string[] = [];
  for (const course of courses) {
    const { problems } = await loadCourse(course);
    for (const p of problems) scripts.push(p.scriptCode);
  }
  const r = spawnSync('/usr/bin/python3', ['-I', '-c', SCAN, JSON.stringify(Object.keys(CAPA_ASSUMED))],
    { input: JSON.stringify(scripts), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  const scanned = JSON.parse(r.stdout) as ({ modules: string[]; assumed: string[] } | null)[];
  const count = new Map<string, number>();
  for (const s of scanned) {
    if (!s) continue;
    const used = new Set([...s.modules, ...s.assumed.map((n) => CAPA_ASSUMED[n]!)]);
    for (const m of used) count.set(m, (count.get(m) ?? 0) + 1);
  }
  const image = loadImage();
  const jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 4, outputLimitBytes: 1 << 22, image });
  const held = new Set<string>();
  try {
    const r = await jail.jailCode({ command: 'python', code: 'import _cj_driver, json\nprint(json.dumps(sorted(_cj_driver.held_modules())))', limits: { CPU: 0, REALTIME: 0 } });
    if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
    for (const m of JSON.parse(Buffer.from(r.stdout).toString()) as string[]) held.add(m);
  } finally {
    await jail.close();
  }
  const preloaded = (m: string): boolean => held.has(m);
  const covered = scanned.filter((s) => s && [...s.modules, ...s.assumed.map((n) => CAPA_ASSUMED[n]!)].every(preloaded)).length;
  console.log(`${scripts.length} problems with Python in ${courses.length} course(s); ${scanned.filter((s) => !s).length} not parseable; ` +
    `${covered} import only what the snapshot holds`);
  console.log(`default image ${image.name}: ${image.preloads.length} preloads, ${held.size} modules in its snapshot`);
  console.log('| module | problems using it | in the default image\'s snapshot |');
  console.log('|---|---|---|');
  for (const [m, n] of [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    console.log(`| \`${m}\` | ${n} | ${preloaded(m) ? 'yes' : 'no'} |`);
  }
  console.log(`capa's assumed imports (usable by name in every problem): ${Object.values(CAPA_ASSUMED).map((m) => `${m} ${preloaded(m) ? 'in the snapshot' : 'not in the snapshot'}`).join(', ')}`);
}

await main();
