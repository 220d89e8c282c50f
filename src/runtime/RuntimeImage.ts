// Locating, verifying and loading the committed runtime artifacts (python-wasm/dist) and the
// Python files that run inside the sandbox (compat/), as the read-only layers of the sandbox FS.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { buildReadOnlyTree, type DirNode, type ReadOnlyFile } from '../sandbox/wasi/InMemoryFs.js';
import { SANDBOX_DIRS } from '../sandbox/layout.js';
import { confineTree } from '../sandbox/wasi/confinement.js';

/** Repository root, found from this file's location (src/... or dist/src/...). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      if (statSync(join(dir, 'python-wasm', 'dist')).isDirectory()) return dir;
    } catch { /* keep looking upwards */ }
    dir = dirname(dir);
  }
  throw new Error('cannot find python-wasm/dist above ' + fileURLToPath(import.meta.url));
}

/** Where things are mounted inside the sandbox. The driver (cjentry.c) expects these paths. */
export const SANDBOX_PATHS = {
  stdlibZip: '/usr/lib/python311.zip',
  /** Where Debian keeps the stdlib sources; tracebacks read source lines from these paths. */
  stdlibSourceDir: '/usr/lib/python3.11',
  compatDir: '/usr/lib/codejail-wasm',
} as const;

/** The stdlib's .py sources stored in the zip, as files at Debian's paths. Imports use the
 * zip's bytecode; these exist so that tracebacks (which open the file named in the code
 * object) and inspect show the same source lines as a native interpreter. */
export function stdlibSources(zip: Uint8Array): ReadOnlyFile[] {
  const entries = unzipSync(zip, { filter: (f) => f.name.endsWith('.py') });
  return Object.keys(entries).sort().map((name) => ({ path: `${SANDBOX_PATHS.stdlibSourceDir}/${name}`, data: entries[name]! }));
}

export interface ChecksumProblem { file: string; expected: string; actual: string | null }

/** Compare python-wasm/dist against its SHA256SUMS manifest. Empty list = all good. */
export function verifyArtifacts(distDir: string): ChecksumProblem[] {
  const manifest = readFileSync(join(distDir, 'SHA256SUMS'), 'utf8');
  const problems: ChecksumProblem[] = [];
  for (const line of manifest.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, expected, file] = m as unknown as [string, string, string];
    let actual: string | null = null;
    try {
      actual = createHash('sha256').update(readFileSync(join(distDir, file))).digest('hex');
    } catch { /* missing file */ }
    if (actual !== expected) problems.push({ file, expected, actual });
  }
  return problems;
}

export interface RuntimeImage {
  /** Name of the image (default runtime: 'py311-base'). */
  name: string;
  wasmBytes: Uint8Array;
  /** Read-only files of the sandbox FS (stdlib zip, compat modules, library layers). */
  files: ReadOnlyFile[];
  /** Modules imported before the snapshot is taken, so a request pays no import cost. */
  preloads: string[];
  /** Extra sys.path entries (library layer zips), after the stdlib and compat directory. */
  sysPath: string[];
}

function readTree(dir: string, mountAt: string): ReadOnlyFile[] {
  const out: ReadOnlyFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (name !== '__pycache__') walk(full);
      } else if (name.endsWith('.py')) {
        out.push({ path: `${mountAt}/${relative(dir, full)}`, data: readFileSync(full) });
      }
    }
  };
  walk(dir);
  return out;
}

/** The default image: CPython 3.11 + our compat modules. `fuel: false` loads the
 * uninstrumented module (benchmarks of the fuel overhead only); `dist` and `wasm` let the
 * build's profile-training run use the artifacts it has just made. */
export function loadDefaultImage(opts: { root?: string; dist?: string; wasm?: Uint8Array; fuel?: boolean; verify?: boolean } = {}): RuntimeImage {
  const root = opts.root ?? repoRoot();
  const dist = opts.dist ?? join(root, 'python-wasm', 'dist');
  if (opts.verify !== false) {
    const problems = verifyArtifacts(dist);
    if (problems.length > 0) {
      throw new Error('runtime artifacts do not match python-wasm/dist/SHA256SUMS: ' +
        problems.map((p) => p.file).join(', '));
    }
  }
  const wasmBytes = opts.wasm ?? readFileSync(join(dist, opts.fuel === false ? 'python-nofuel.wasm' : 'python.wasm'));
  const stdlibZip = readFileSync(join(dist, 'python311.zip'));
  const files: ReadOnlyFile[] = [
    { path: SANDBOX_PATHS.stdlibZip, data: stdlibZip },
    ...stdlibSources(stdlibZip),
    ...readTree(resolve(root, 'compat'), SANDBOX_PATHS.compatDir),
  ];
  return {
    name: 'py311-base',
    wasmBytes,
    files,
    preloads: ['json', 'six', 'random2', 'math', 're', 'random', 'string', 'fractions', 'decimal', 'collections', 'itertools', 'functools'],
    sysPath: [],
  };
}

/** The read-only files of an image, including the image.json the driver reads at start. */
export function imageFiles(image: RuntimeImage): ReadOnlyFile[] {
  const manifest = new TextEncoder().encode(JSON.stringify({ name: image.name, sys_path: image.sysPath }));
  return [...image.files, { path: `${SANDBOX_PATHS.compatDir}/image.json`, data: manifest }];
}

/** The read-only tree every run starts from. */
export function imageTree(image: RuntimeImage): DirNode {
  return confineTree(buildReadOnlyTree(imageFiles(image), SANDBOX_DIRS));
}
