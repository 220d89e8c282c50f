// The interpreter modules an image can run on (images.json: "runtime"), each with the read-only
// files it brings besides the base image's (stdlib zip, compat modules):
//   base        python-wasm/dist: CPython 3.11, no compiled libraries beyond the stdlib's
//   numpy-1.24  python-wasm/numpy/dist: base + Debian bookworm's numpy 1.24.2 built in (ADR 0007)
//   openedx     python-wasm/openedx/dist: base + the Open edX sandbox's compiled libraries built in
//               (regex, lxml/libxml2/libxslt, and what python-wasm/openedx/components.list adds),
//               their Python parts in one pyc-only zip mounted like a library layer (ADR 0006)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireVerified } from './artifacts.js';
import type { ImageFile, RuntimeImage } from './image.js';
import { loadLayer, pycMagic, type LayerManifest } from './layers.js';
import { SANDBOX_LAYOUT } from './layout.js';
import { loadNumpyImage } from './numpyImage.js';

export const RUNTIME_NAMES = ['base', 'numpy-1.24', 'openedx'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

export interface Runtime {
  name: RuntimeName;
  wasmBytes: Uint8Array;
  /** Files the runtime adds to the base image's (its Python parts). */
  files: ImageFile[];
  /** sys.path entries for them, before any library layer. */
  sysPath: string[];
  /** Top-level module names those files provide (a layer may not provide them too). */
  topLevel: string[];
  /** The manifest of the runtime's Python zip, when it has one. */
  manifest?: LayerManifest;
}

export interface LoadRuntimeOptions {
  root?: string;
  /** false: the uninstrumented module (benchmarks of the fuel overhead only). */
  fuel?: boolean;
  /** false: skip the SHA256SUMS checks. */
  verify?: boolean;
}

/** Directory of the committed openedx runtime artifacts. */
export function openedxDistDir(root: string = repoRoot()): string {
  return join(root, 'python-wasm', 'openedx', 'dist');
}

function loadOpenedx(base: RuntimeImage, opts: LoadRuntimeOptions): Runtime {
  const dist = openedxDistDir(opts.root);
  if (opts.verify !== false) requireVerified(dist, 'openedx runtime', 'python-wasm/openedx/dist/SHA256SUMS');
  const manifests = readdirSync(dist).filter((f) => /^python-openedx-.*\.manifest\.json$/.test(f));
  if (manifests.length !== 1) throw new Error(`${dist}: expected one python-openedx-*.manifest.json, found ${manifests.length}`);
  const stdlib = base.files.find((f) => f.path === SANDBOX_LAYOUT.stdlibZip);
  // The same verification as a library layer's: sha256 (manifest and SHA256SUMS), zip, magic.
  const zip = loadLayer(join(dist, manifests[0] as string), {
    runtimeMagic: stdlib ? pycMagic(stdlib.data) : undefined,
  });
  return {
    name: 'openedx',
    wasmBytes: readFileSync(join(dist, opts.fuel === false ? 'python-openedx-nofuel.wasm' : 'python-openedx.wasm')),
    files: [{ path: zip.mountPath, data: zip.data }],
    sysPath: [zip.mountPath],
    topLevel: zip.manifest.topLevel,
    manifest: zip.manifest,
  };
}

function loadNumpy124(base: RuntimeImage, opts: LoadRuntimeOptions): Runtime {
  const numpy = loadNumpyImage({ root: opts.root, fuel: opts.fuel, verify: opts.verify, base, preloadNumpy: false });
  const baseFiles = new Set(base.files);
  return {
    name: 'numpy-1.24',
    wasmBytes: numpy.wasmBytes,
    files: numpy.files.filter((f) => !baseFiles.has(f)),
    sysPath: numpy.sysPath.filter((p) => !base.sysPath.includes(p)),
    topLevel: ['numpy'],
  };
}

/** The runtime `name`, with the base image (loadBaseImage) whose stdlib and compat files it shares. */
export function loadRuntime(name: RuntimeName, base: RuntimeImage, opts: LoadRuntimeOptions = {}): Runtime {
  switch (name) {
    case 'base':
      return { name, wasmBytes: base.wasmBytes, files: [], sysPath: [], topLevel: [] };
    case 'numpy-1.24':
      return loadNumpy124(base, opts);
    case 'openedx':
      return loadOpenedx(base, opts);
  }
}
