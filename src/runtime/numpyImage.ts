// The numpy runtime image: CPython 3.11 with numpy 1.24.2 (Debian) linked in as built-in modules
// (python-wasm/numpy/dist/python-numpy.wasm), the base image's files, and numpy's pure-Python
// part as a read-only library layer zip. numpy is imported before the snapshot is taken.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadOnlyFile } from '../sandbox/wasi/InMemoryFs.js';
import { loadDefaultImage, repoRoot, verifyArtifacts, type RuntimeImage } from './RuntimeImage.js';

/** Where numpy's zip is mounted inside the sandbox (a sys.path entry). */
export const NUMPY_LAYER_PATH = '/usr/lib/codejail-wasm/layers/numpy.zip';

export interface NumpyImageOptions {
  root?: string;
  /** false: the uninstrumented module (fuel overhead measurements only). */
  fuel?: boolean;
  /** false: skip the SHA256SUMS checks (of this layer and of the base runtime). */
  verify?: boolean;
  /** false: do not import numpy before the snapshot (cold-import measurements). */
  preloadNumpy?: boolean;
}

/**
 * compat/_cj_driver.py's dotted-built-in finder (commit df1ccff) imports importlib.machinery
 * inside find_spec while it sits first on sys.meta_path, so the first import of that module
 * recurses until RecursionError and the numpy runtime cannot start. Until the driver takes
 * those names from the always-loaded _frozen_importlib (or imports them at module level),
 * the numpy image carries a copy of the driver with exactly that line changed.
 */
const DRIVER_PATH = '/usr/lib/codejail-wasm/_cj_driver.py';
const RECURSIVE_IMPORT = '        from importlib.machinery import BuiltinImporter, ModuleSpec\n';
const SAFE_IMPORT = '        from _frozen_importlib import BuiltinImporter, ModuleSpec\n';

function withWorkingFinder(files: ReadOnlyFile[]): ReadOnlyFile[] {
  return files.map((f) => {
    if (f.path !== DRIVER_PATH) return f;
    const text = Buffer.from(f.data).toString('utf8');
    return text.includes(RECURSIVE_IMPORT)
      ? { path: f.path, data: new TextEncoder().encode(text.replace(RECURSIVE_IMPORT, SAFE_IMPORT)) }
      : f;
  });
}

/** Directory of the committed numpy artifacts. */
export function numpyDistDir(root: string = repoRoot()): string {
  return join(root, 'python-wasm', 'numpy', 'dist');
}

export function loadNumpyImage(opts: NumpyImageOptions = {}): RuntimeImage {
  const root = opts.root ?? repoRoot();
  const dist = numpyDistDir(root);
  if (opts.verify !== false) {
    const problems = verifyArtifacts(dist);
    if (problems.length > 0) {
      throw new Error('numpy runtime artifacts do not match python-wasm/numpy/dist/SHA256SUMS: ' +
        problems.map((p) => p.file).join(', '));
    }
  }
  // The base image supplies the stdlib zip, the compat modules and the base preloads; its wasm
  // module is not used (the numpy module is a complete interpreter of its own).
  const base = loadDefaultImage({ root, verify: opts.verify });
  const wasmBytes = readFileSync(join(dist, opts.fuel === false ? 'python-numpy-nofuel.wasm' : 'python-numpy.wasm'));
  return {
    name: 'py311-numpy',
    wasmBytes,
    files: [...withWorkingFinder(base.files), { path: NUMPY_LAYER_PATH, data: readFileSync(join(dist, 'numpy.zip')) }],
    sysPath: [...base.sysPath, NUMPY_LAYER_PATH],
    preloads: opts.preloadNumpy === false ? [...base.preloads] : [...base.preloads, 'numpy'],
  };
}
