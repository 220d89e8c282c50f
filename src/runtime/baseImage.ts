// The base image: the committed CPython 3.11 runtime (python-wasm/dist: the wasm module and
// the stdlib zip) plus the Python files that run inside the sandbox (compat/). Every other
// image (layered, numpy) starts from it.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot, requireVerified, zipBytecode, zipSources } from './artifacts.js';
import type { ImageFile, RuntimeImage } from './image.js';
import { SANDBOX_LAYOUT } from './layout.js';

function readTree(dir: string, mountAt: string): ImageFile[] {
  const out: ImageFile[] = [];
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

/** The base image 'py311-base': CPython 3.11 + our compat modules. `fuel: false` loads the
 * uninstrumented module (benchmarks of the fuel overhead only); `dist` and `wasm` let the
 * build's profile-training run use the artifacts it has just made. */
export function loadBaseImage(opts: { root?: string; dist?: string; wasm?: Uint8Array; fuel?: boolean; verify?: boolean } = {}): RuntimeImage {
  const root = opts.root ?? repoRoot();
  const dist = opts.dist ?? join(root, 'python-wasm', 'dist');
  if (opts.verify !== false) requireVerified(dist, 'runtime', 'python-wasm/dist/SHA256SUMS');
  const wasmBytes = opts.wasm ?? readFileSync(join(dist, opts.fuel === false ? 'python-nofuel.wasm' : 'python.wasm'));
  const stdlibZip = readFileSync(join(dist, 'python311.zip'));
  // compat/: the driver's own modules (_cj_*) in our directory, the stand-ins for C modules
  // (lib-dynload/) where Debian keeps those, the packages in dist-packages.
  const compat = readTree(resolve(root, 'compat'), '');
  const placed = (path: string): string => {
    if (path.startsWith('/_cj_')) return SANDBOX_LAYOUT.compatDir + path;
    if (path.startsWith('/lib-dynload/')) return SANDBOX_LAYOUT.stdlibSourceDir + path;
    return SANDBOX_LAYOUT.distPackagesDir + path;
  };
  const files: ImageFile[] = [
    { path: SANDBOX_LAYOUT.stdlibZip, data: stdlibZip, bootOnly: true },
    ...zipSources(stdlibZip, SANDBOX_LAYOUT.stdlibSourceDir),
    ...zipBytecode(stdlibZip, SANDBOX_LAYOUT.stdlibSourceDir),
    ...compat.map((f) => ({ ...f, path: placed(f.path) })),
  ];
  return {
    name: 'py311-base',
    wasmBytes,
    files,
    // mmap: its stand-in is Python (compat/lib-dynload); compiled per run, its import cost 73 M
    // fuel where Debian's C module costs nearly none.
    preloads: ['json', 'six', 'random2', 'math', 're', 'random', 'string', 'fractions', 'decimal', 'collections', 'itertools', 'functools', 'mmap'],
    sysPath: [],
  };
}
