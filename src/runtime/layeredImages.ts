// Images: the runtime (CPython 3.11 wasm + stdlib zip + compat modules) plus an ordered list of
// library layers, named and versioned, declared in a JSON configuration
// (python-wasm/layers/images.json by default). Each image gets its own snapshot, taken after its
// preloads are imported, so `import sympy` in a request on the sci image costs a restore only.
//
// Configuration (all paths relative to the file that names them):
//   {
//     "format": 1,
//     "include": "default",            // optional: start from the default configuration
//                                     // ("default") or another file, then add/override
//     "layerDirs": ["dist", "/srv/codejail/layers"],   // searched in order (operator layers too)
//     "defaultImage": "py311-sci-2026.1",
//     "images": [
//       { "name": "py311-base", "version": "2026.1", "layers": [] },
//       { "name": "py311-sci-2026.1", "version": "2026.1", "extends": "py311-base", "runtime": "numpy-1.24",
//         "layers": ["sympy@1.11.1-1", "networkx"], "addPreloads": ["sympy"] }
//     ]
//   }
// "runtime" names the interpreter module (runtimes.ts: base, numpy-1.24, openedx; default base,
// or the parent's). An image without "extends" and without "preloads" preloads what the bare
// runtime preloads (loadBaseImage); "extends" inherits the parent's runtime, layers and
// preloads, then appends "layers" and "addPreloads"; "preloads" replaces the list.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { repoRoot, zipPackageData } from './artifacts.js';
import { loadBaseImage } from './baseImage.js';
import type { ImageFile, RuntimeImage } from './image.js';
import { SANDBOX_LAYOUT } from './layout.js';
import { LayerError, LayerStore, pycMagic, type Layer } from './layers.js';
import { isRuntimeName, loadRuntime, RUNTIME_NAMES, type Runtime, type RuntimeName } from './runtimes.js';

export interface ImageSpec {
  name: string;
  version?: string;
  description?: string;
  extends?: string;
  /** The interpreter module (runtimes.ts); inherited from the parent image, else "base". */
  runtime?: string;
  /** Layer references, "name@version" or "name" (when one version is available). */
  layers?: string[];
  preloads?: string[];
  addPreloads?: string[];
}

export interface ImagesConfigFile {
  format: 1;
  include?: string;
  layerDirs?: string[];
  defaultImage?: string;
  images?: ImageSpec[];
}

/** A configuration with includes applied and layer directories made absolute. */
export interface ImagesConfig {
  layerDirs: string[];
  defaultImage: string;
  images: ImageSpec[];
  /** The files read, the including one last. */
  sources: string[];
}

export interface ImageLayerInfo {
  name: string;
  version: string;
  mountPath: string;
  zipSha256: string;
  packages: { name: string; version: string }[];
}

/** A RuntimeImage with the facts of its making. */
export interface LayeredImage extends RuntimeImage {
  version: string;
  runtime: RuntimeName;
  /** Top-level modules the runtime itself provides (its built-in libraries' Python parts). */
  runtimeModules: string[];
  description?: string;
  layers: ImageLayerInfo[];
}

export class ImageConfigError extends Error {
  override name = 'ImageConfigError';
}

export interface LoadImagesOptions {
  root?: string;
  /** Use the uninstrumented runtime (benchmarks only). */
  fuel?: boolean;
  /** Verify the runtime's artifacts (default true; layers are always verified). */
  verify?: boolean;
  /** Operator layer directories searched before the configured ones. */
  extraLayerDirs?: string[];
  /** Only build these images (and what they extend); all by default. */
  only?: string[];
}

const IMAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function defaultImagesConfigPath(root: string = repoRoot()): string {
  return join(root, 'python-wasm', 'layers', 'images.json');
}

function readConfigFile(path: string): ImagesConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ImageConfigError(`${path}: cannot read image configuration (${(err as Error).message})`);
  }
  const o = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || o['format'] !== 1) {
    throw new ImageConfigError(`${path}: not an image configuration (expected "format": 1)`);
  }
  const strList = (k: string) => {
    const v = o[k];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))) {
      throw new ImageConfigError(`${path}: ${k} must be a list of strings`);
    }
  };
  strList('layerDirs');
  if (o['images'] !== undefined && !Array.isArray(o['images'])) throw new ImageConfigError(`${path}: images must be a list`);
  for (const [i, img] of ((o['images'] as unknown[] | undefined) ?? []).entries()) {
    const s = img as Record<string, unknown>;
    if (typeof img !== 'object' || img === null || typeof s['name'] !== 'string' || !IMAGE_NAME_RE.test(s['name'])) {
      throw new ImageConfigError(`${path}: images[${i}] needs a name of letters, digits, '.', '_' or '-'`);
    }
    if (s['runtime'] !== undefined && (typeof s['runtime'] !== 'string' || !isRuntimeName(s['runtime']))) {
      throw new ImageConfigError(`${path}: image ${s['name']}: runtime must be one of ${RUNTIME_NAMES.join(', ')}`);
    }
    for (const k of ['layers', 'preloads', 'addPreloads']) {
      const v = s[k];
      if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))) {
        throw new ImageConfigError(`${path}: image ${s['name']}: ${k} must be a list of strings`);
      }
    }
    for (const mod of [...((s['preloads'] as string[] | undefined) ?? []), ...((s['addPreloads'] as string[] | undefined) ?? [])]) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(mod)) {
        throw new ImageConfigError(`${path}: image ${s['name']}: bad preload module name ${JSON.stringify(mod)}`);
      }
    }
  }
  return raw as ImagesConfigFile;
}

/** Read a configuration, following "include" chains. */
export function loadImagesConfig(configPath?: string, root: string = repoRoot()): ImagesConfig {
  const seen: string[] = [];
  const load = (path: string): ImagesConfig => {
    const abs = resolve(path);
    if (seen.includes(abs)) throw new ImageConfigError(`${abs}: include cycle (${seen.join(' -> ')})`);
    seen.push(abs);
    const file = readConfigFile(abs);
    const base: ImagesConfig = file.include === undefined
      ? { layerDirs: [], defaultImage: '', images: [], sources: [] }
      : load(file.include === 'default' ? defaultImagesConfigPath(root)
        : isAbsolute(file.include) ? file.include : join(dirname(abs), file.include));
    const dirs = (file.layerDirs ?? []).map((d) => (isAbsolute(d) ? d : join(dirname(abs), d)));
    const images = new Map(base.images.map((i) => [i.name, i] as const));
    for (const img of file.images ?? []) images.set(img.name, img);
    return {
      // The including file's directories come first: its layers win.
      layerDirs: [...dirs, ...base.layerDirs.filter((d) => !dirs.includes(d))],
      defaultImage: file.defaultImage ?? base.defaultImage,
      images: [...images.values()],
      sources: [...base.sources, abs],
    };
  };
  const cfg = load(configPath ?? defaultImagesConfigPath(root));
  if (!cfg.defaultImage) throw new ImageConfigError(`${cfg.sources.join(', ')}: no defaultImage`);
  if (!cfg.images.some((i) => i.name === cfg.defaultImage)) {
    throw new ImageConfigError(`defaultImage ${cfg.defaultImage} is not among the images (${cfg.images.map((i) => i.name).join(', ')})`);
  }
  return cfg;
}

interface Resolved { spec: ImageSpec; runtime: RuntimeName; layers: string[]; preloads: string[] }

function resolveSpecs(cfg: ImagesConfig, runtimePreloads: string[]): Map<string, Resolved> {
  const byName = new Map(cfg.images.map((i) => [i.name, i] as const));
  const out = new Map<string, Resolved>();
  const resolveOne = (name: string, chain: string[]): Resolved => {
    const done = out.get(name);
    if (done) return done;
    const spec = byName.get(name);
    if (!spec) throw new ImageConfigError(`image ${chain[chain.length - 1] ?? name} extends unknown image ${name}`);
    if (chain.includes(name)) throw new ImageConfigError(`images extend each other in a cycle: ${[...chain, name].join(' -> ')}`);
    const parent = spec.extends === undefined ? null : resolveOne(spec.extends, [...chain, name]);
    const layers = [...(parent?.layers ?? []), ...(spec.layers ?? [])];
    const preloads = spec.preloads ?? [...(parent?.preloads ?? runtimePreloads)];
    for (const p of spec.addPreloads ?? []) if (!preloads.includes(p)) preloads.push(p);
    const runtime = (spec.runtime ?? parent?.runtime ?? 'base') as RuntimeName;
    const r = { spec, runtime, layers, preloads };
    out.set(name, r);
    return r;
  };
  for (const img of cfg.images) resolveOne(img.name, []);
  return out;
}

function layerName(ref: string): string {
  return ref.split('@')[0] as string;
}

/** Top-level module names compat puts in dist-packages (six, random2, ...), which layers must not shadow. */
function compatModules(base: RuntimeImage): Set<string> {
  const prefix = SANDBOX_LAYOUT.distPackagesDir + '/';
  const names = new Set<string>();
  for (const f of base.files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const top = rest.split('/')[0] as string;
    names.add(top.endsWith('.py') ? top.slice(0, -3) : top);
  }
  return names;
}

/** `files` plus the package data of its library zips (at `zipPaths`, in search order) where
 * Debian installs them, read-only: the first zip's file when two have the same path, as the
 * first zip's module is the one imported. */
function withPackageData(files: ImageFile[], zipPaths: string[]): ImageFile[] {
  const taken = new Set(files.map((f) => f.path));
  const out = [...files];
  for (const zipPath of zipPaths) {
    const zip = files.find((f) => f.path === zipPath);
    if (!zip) continue;
    for (const f of zipPackageData(zip.data, SANDBOX_LAYOUT.distPackagesDir)) {
      if (taken.has(f.path)) continue;
      taken.add(f.path);
      out.push(f);
    }
  }
  return out;
}

/**
 * Build every configured image (or those in opts.only): a Map from image name to a
 * RuntimeImage ready for createJail({image}) / startSandbox. Layers are verified (sha256
 * against manifest and SHA256SUMS, bytecode magic against the runtime) and shared between
 * images that use the same one.
 */
export function loadImages(configPath?: string, opts: LoadImagesOptions = {}): Map<string, LayeredImage> {
  const root = opts.root ?? repoRoot();
  const cfg = loadImagesConfig(configPath, root);
  const base = loadBaseImage({ root, fuel: opts.fuel, verify: opts.verify });
  const stdlib = base.files.find((f) => f.path === SANDBOX_LAYOUT.stdlibZip);
  const runtimeMagic = stdlib ? pycMagic(stdlib.data) : undefined;
  const store = new LayerStore([...(opts.extraLayerDirs ?? []), ...cfg.layerDirs], { runtimeMagic });
  const specs = resolveSpecs(cfg, base.preloads);
  const compat = compatModules(base);
  const wanted = new Set<string>();
  const want = (name: string) => {
    const r = specs.get(name);
    if (!r) throw new ImageConfigError(`unknown image ${name} (have: ${[...specs.keys()].join(', ')})`);
    wanted.add(name);
  };
  for (const n of opts.only ?? [...specs.keys()]) want(n);

  const runtimes = new Map<RuntimeName, Runtime>();
  const images = new Map<string, LayeredImage>();
  for (const [name, r] of specs) {
    if (!wanted.has(name)) continue;
    let runtime = runtimes.get(r.runtime);
    if (!runtime) {
      runtime = loadRuntime(r.runtime, base, { root, fuel: opts.fuel, verify: opts.verify });
      runtimes.set(r.runtime, runtime);
    }
    const layers: Layer[] = [];
    const seenNames = new Map<string, string>();
    const provides = new Map<string, string>(runtime.topLevel.map((t) => [t, `runtime ${runtime.name}`] as const));
    for (const ref of r.layers) {
      const prior = seenNames.get(layerName(ref));
      if (prior !== undefined) {
        throw new ImageConfigError(`image ${name}: layer ${layerName(ref)} is listed twice (${prior}, ${ref})`);
      }
      let layer: Layer;
      try {
        layer = store.get(ref);
      } catch (err) {
        if (err instanceof LayerError) throw new LayerError(`image ${name}: ${err.message}`);
        throw err;
      }
      seenNames.set(layer.manifest.name, ref);
      for (const top of layer.manifest.topLevel) {
        const other = provides.get(top);
        if (other !== undefined) {
          throw new ImageConfigError(`image ${name}: module ${top} is in both ${other.startsWith('runtime ') ? other : `layer ${other}`} and layer ${layer.id}`);
        }
        if (compat.has(top)) {
          throw new ImageConfigError(`image ${name}: layer ${layer.id} provides ${top}, which the runtime's compat modules already provide`);
        }
        provides.set(top, layer.id);
      }
      layers.push(layer);
    }
    images.set(name, {
      name,
      version: r.spec.version ?? '',
      ...(r.spec.description === undefined ? {} : { description: r.spec.description }),
      runtime: r.runtime,
      runtimeModules: runtime.topLevel,
      wasmBytes: runtime.wasmBytes,
      files: withPackageData([...base.files, ...runtime.files, ...layers.map((l) => ({ path: l.mountPath, data: l.data }))],
        [...runtime.sysPath, ...layers.map((l) => l.mountPath)]),
      preloads: r.preloads,
      sysPath: [...runtime.sysPath, ...layers.map((l) => l.mountPath)],
      layers: layers.map((l) => ({
        name: l.manifest.name,
        version: l.manifest.version,
        mountPath: l.mountPath,
        zipSha256: l.manifest.zipSha256,
        packages: l.manifest.packages.flatMap((p) => p.distributions.map((d) => ({ name: d.name, version: d.version }))),
      })),
    });
  }
  return images;
}

/** The configured default image's name (py311-sci-2026.1 with the default configuration). */
export function defaultImageName(configPath?: string, root?: string): string {
  return loadImagesConfig(configPath, root).defaultImage;
}

/** One image by name (the configured default when no name is given). */
export function loadImage(name?: string, configPath?: string, opts: LoadImagesOptions = {}): LayeredImage {
  const root = opts.root ?? repoRoot();
  const wanted = name ?? defaultImageName(configPath, root);
  const image = loadImages(configPath, { ...opts, root, only: [wanted] }).get(wanted);
  if (!image) throw new ImageConfigError(`unknown image ${wanted}`);
  return image;
}
