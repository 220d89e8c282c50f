// The numpy runtime image: CPython 3.11 with numpy 1.24.2 (Debian) linked in as built-in modules
// (python-wasm/numpy/dist/python-numpy.wasm), the base image's files, and numpy's pure-Python
// part as a read-only library layer zip. numpy is imported before the snapshot is taken.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireVerified, zipSources } from './artifacts.js';
import { loadBaseImage } from './baseImage.js';
import type { RuntimeImage } from './image.js';
import { SANDBOX_LAYOUT } from './layout.js';

/** Where numpy's zip is mounted inside the sandbox (a sys.path entry). */
export const NUMPY_LAYER_PATH = `${SANDBOX_LAYOUT.layerDir}/numpy.zip`;

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
  if (opts.verify !== false) requireVerified(dist, 'numpy runtime', 'python-wasm/numpy/dist/SHA256SUMS');
  // The base image supplies the stdlib zip, the compat modules and the base preloads; its wasm
  // module is not used (the numpy module is a complete interpreter of its own).
  const base = opts.base ?? loadBaseImage({ root, verify: opts.verify });
  const wasmBytes = readFileSync(join(dist, opts.fuel === false ? 'python-numpy-nofuel.wasm' : 'python-numpy.wasm'));
  const zip = readFileSync(join(dist, 'numpy.zip'));
  return {
    name: 'py311-numpy',
    wasmBytes,
    // numpy's .py sources at Debian's paths: tracebacks show source lines, as natively.
    files: [...base.files, { path: NUMPY_LAYER_PATH, data: zip }, ...zipSources(zip, SANDBOX_LAYOUT.distPackagesDir)],
    sysPath: [...base.sysPath, NUMPY_LAYER_PATH],
    preloads: opts.preloadNumpy === false ? [...base.preloads] : [...base.preloads, 'numpy'],
  };
}
