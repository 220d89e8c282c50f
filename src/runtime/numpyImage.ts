// The numpy runtime image: CPython 3.11 with numpy 1.24.2 (Debian) linked in as built-in modules
// (python-wasm/numpy/dist/python-numpy.wasm), the base image's files, and numpy's pure-Python
// part as a read-only library layer zip. numpy is imported before the snapshot is taken.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { join } from 'node:path';
import type { ReadOnlyFile } from '../sandbox/wasi/InMemoryFs.js';
import { loadDefaultImage, repoRoot, verifyArtifacts, type RuntimeImage } from './RuntimeImage.js';

/** Where numpy's zip is mounted inside the sandbox (a sys.path entry). */
export const NUMPY_LAYER_PATH = '/usr/lib/codejail-wasm/layers/numpy.zip';
/** Debian's location of numpy; the zip's code objects carry these file names. */
export const NUMPY_SOURCE_DIR = '/usr/lib/python3/dist-packages';

/** numpy's .py sources from the zip, as files at Debian's paths: imports use the zip's
 * bytecode; tracebacks (which open the file named in the code object) show source lines. */
export function numpySources(zip: Uint8Array): ReadOnlyFile[] {
  const entries = unzipSync(zip, { filter: (f) => f.name.endsWith('.py') });
  return Object.keys(entries).sort().map((name) => ({ path: `${NUMPY_SOURCE_DIR}/${name}`, data: entries[name]! }));
}

export interface NumpyImageOptions {
  root?: string;
  /** false: the uninstrumented module (fuel overhead measurements only). */
  fuel?: boolean;
  /** false: skip the SHA256SUMS checks (of this layer and of the base runtime). */
  verify?: boolean;
  /** false: do not import numpy before the snapshot (cold-import measurements). */
  preloadNumpy?: boolean;
  /** The base image already loaded (its stdlib and compat files are reused, not read again). */
  base?: RuntimeImage;
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
  const base = opts.base ?? loadDefaultImage({ root, verify: opts.verify });
  const wasmBytes = readFileSync(join(dist, opts.fuel === false ? 'python-numpy-nofuel.wasm' : 'python-numpy.wasm'));
  const zip = readFileSync(join(dist, 'numpy.zip'));
  return {
    name: 'py311-numpy',
    wasmBytes,
    files: [...base.files, { path: NUMPY_LAYER_PATH, data: zip }, ...numpySources(zip)],
    sysPath: [...base.sysPath, NUMPY_LAYER_PATH],
    preloads: opts.preloadNumpy === false ? [...base.preloads] : [...base.preloads, 'numpy'],
  };
}
