// Library layers: read-only, pyc-only zips (built by python-wasm/layers/build_layer.py) that an
// image mounts at /usr/lib/codejail-wasm/layers/<name>.zip and puts on sys.path. Each layer
// comes with a manifest (<name>-<version>.manifest.json) that names its packages and the
// sha256 of the zip; a directory may also hold a SHA256SUMS over zips and manifests.
// Loading a layer verifies all of it before a single byte reaches a sandbox.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { inflateSync } from 'fflate';
import { readChecksums, repoRoot, sha256Hex } from './artifacts.js';
import { SANDBOX_LAYOUT } from './layout.js';

export function layerMountPath(name: string): string {
  return `${SANDBOX_LAYOUT.layerDir}/${name}.zip`;
}

/** The committed default layers (python-wasm/layers/dist). */
export function defaultLayerDir(root: string = repoRoot()): string {
  return join(root, 'python-wasm', 'layers', 'dist');
}

export interface LayerDistribution { name: string; version: string; metadata: string }

export interface LayerPackage {
  /** The build_layer.py source spec, e.g. "deb:python3-sympy=1.11.1-1", "wheel:/x/calc-1.0-py3-none-any.whl",
   * "vendor:sympy-1.14.0.tar.gz?include=sympy,isympy.py&name=sympy&version=1.14.0". */
  source: string;
  origin: 'deb' | 'dir' | 'wheel' | 'vendor';
  /** Debian package, wheel or vendored distribution name and its version (not for dir sources). */
  package?: string;
  version?: string;
  /** File name and sha256 of the .deb/.whl/source archive the layer was built from. */
  artifact?: string;
  sha256?: string;
  /** Patches applied to a vendored source before it was compiled. */
  patches?: { file: string; sha256: string }[];
  /** *.dist-info / *.egg-info found in the source (what importlib.metadata reports). */
  distributions: LayerDistribution[];
}

export interface LayerManifest {
  format: 1;
  name: string;
  version: string;
  zip: string;
  zipSha256: string;
  zipBytes: number;
  python: { version: string; cacheTag: string; magic: string; pycKind: string };
  codePrefix: string;
  zlib: string;
  packages: LayerPackage[];
  /** Top-level importable names the layer provides (e.g. sympy, mpmath, isympy). */
  topLevel: string[];
  files: number;
  modules: number;
  dataFiles: number;
  sourceBytes: number;
  uncompressedBytes: number;
  dropped: { packages: string[]; files: number; bytes: number };
  warnings: string[];
}

export interface Layer {
  manifest: LayerManifest;
  /** "name@version". */
  id: string;
  manifestPath: string;
  zipPath: string;
  /** The verified zip bytes. */
  data: Uint8Array;
  /** Where the image mounts it. */
  mountPath: string;
}

export class LayerError extends Error {
  override name = 'LayerError';
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function fail(where: string, msg: string): never {
  throw new LayerError(`${where}: ${msg}`);
}

/** Parse and check a manifest's shape (not the zip). */
export function parseLayerManifest(text: string, where: string): LayerManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    fail(where, `manifest is not JSON (${(err as Error).message})`);
  }
  if (typeof m !== 'object' || m === null) fail(where, 'manifest is not an object');
  const o = m as Record<string, unknown>;
  if (o['format'] !== 1) fail(where, `unsupported manifest format ${JSON.stringify(o['format'])}`);
  for (const k of ['name', 'version', 'zip', 'zipSha256', 'codePrefix'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') fail(where, `manifest field ${k} is missing`);
  }
  if (!NAME_RE.test(o['name'] as string)) fail(where, `bad layer name ${JSON.stringify(o['name'])}`);
  if (!/^[0-9a-f]{64}$/.test(o['zipSha256'] as string)) fail(where, 'manifest zipSha256 is not a sha256');
  if (basename(o['zip'] as string) !== o['zip']) fail(where, 'manifest zip must be a file name');
  if (typeof o['zipBytes'] !== 'number') fail(where, 'manifest field zipBytes is missing');
  const py = o['python'] as Record<string, unknown> | undefined;
  if (!py || typeof py['magic'] !== 'string') fail(where, 'manifest field python.magic is missing');
  if (!Array.isArray(o['topLevel']) || !o['topLevel'].every((t) => typeof t === 'string')) {
    fail(where, 'manifest field topLevel is missing');
  }
  if (!Array.isArray(o['packages'])) fail(where, 'manifest field packages is missing');
  return o as unknown as LayerManifest;
}

interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

/** The central directory of a zip (no zip64, which layers never need). */
export function zipEntries(data: Uint8Array): ZipEntry[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('no end of central directory record');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const entries: ZipEntry[] = [];
  const dec = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > data.length || view.getUint32(p, true) !== 0x02014b50) throw new Error('bad central directory');
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    entries.push({
      name: dec.decode(data.subarray(p + 46, p + 46 + nameLen)),
      method: view.getUint16(p + 10, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (stored or deflated). */
export function zipRead(data: Uint8Array, e: ZipEntry): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(e.localOffset, true) !== 0x04034b50) throw new Error(`bad local header for ${e.name}`);
  const start = e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
  const raw = data.subarray(start, start + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) return inflateSync(raw, { out: new Uint8Array(e.size) });
  throw new Error(`unsupported compression method ${e.method} for ${e.name}`);
}

/** The bytecode magic (hex) of the first .pyc in a zip: what the interpreter accepts. */
export function pycMagic(zip: Uint8Array): string {
  const first = zipEntries(zip).find((e) => e.name.endsWith('.pyc'));
  if (!first) throw new Error('no .pyc in zip');
  return Buffer.from(zipRead(zip, first).subarray(0, 4)).toString('hex');
}

export interface LoadLayerOptions {
  /** The runtime's bytecode magic (hex): a layer compiled for another Python is refused. */
  runtimeMagic?: string;
}

/** Load and verify one layer from its manifest file. */
export function loadLayer(manifestPath: string, opts: LoadLayerOptions = {}): Layer {
  const dir = resolve(manifestPath, '..');
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new LayerError(`${manifestPath}: cannot read layer manifest (${(err as Error).message})`);
  }
  const manifest = parseLayerManifest(text, manifestPath);
  const id = `${manifest.name}@${manifest.version}`;
  const where = `layer ${id} (${manifestPath})`;
  const zipPath = join(dir, manifest.zip);
  let data: Uint8Array;
  try {
    data = readFileSync(zipPath);
  } catch (err) {
    fail(where, `cannot read ${zipPath} (${(err as Error).message})`);
  }
  const actual = sha256Hex(data);
  const sums = readChecksums(dir);
  if (sums) {
    for (const [file, got] of [[manifest.zip, actual], [basename(manifestPath), sha256Hex(text)]] as const) {
      const want = sums.get(file);
      if (want === undefined) fail(where, `${file} is not listed in ${join(dir, 'SHA256SUMS')}`);
      if (want !== got) {
        fail(where, `checksum mismatch for ${file}: SHA256SUMS says ${want}, the file is ${got} (corrupted or modified layer)`);
      }
    }
  }
  if (actual !== manifest.zipSha256) {
    fail(where, `checksum mismatch for ${manifest.zip}: manifest says ${manifest.zipSha256}, the file is ${actual} (corrupted or modified layer)`);
  }
  if (data.length !== manifest.zipBytes) fail(where, `${manifest.zip} is ${data.length} bytes, manifest says ${manifest.zipBytes}`);
  let magic: string;
  try {
    magic = pycMagic(data);
  } catch (err) {
    fail(where, `${manifest.zip} is not a usable zip (${(err as Error).message})`);
  }
  if (magic !== manifest.python.magic) fail(where, `pyc magic ${magic} differs from the manifest's ${manifest.python.magic}`);
  if (opts.runtimeMagic !== undefined && magic !== opts.runtimeMagic) {
    fail(where, `compiled for bytecode magic ${magic} (Python ${manifest.python.version}), the runtime needs ${opts.runtimeMagic}`);
  }
  return { manifest, id, manifestPath, zipPath, data, mountPath: layerMountPath(manifest.name) };
}

export interface LayerEntry { manifest: LayerManifest; manifestPath: string }

/** The manifests in a directory (zips are not read). */
export function scanLayerDir(dir: string): LayerEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw new LayerError(`layer directory ${dir}: ${(err as Error).message}`);
  }
  return names.filter((n) => n.endsWith('.manifest.json')).map((n) => {
    const manifestPath = join(dir, n);
    return { manifest: parseLayerManifest(readFileSync(manifestPath, 'utf8'), manifestPath), manifestPath };
  });
}

/**
 * The layers of a list of directories, found by "name@version" (or by "name" when only one
 * version is present). Directories listed first win when two hold the same name@version.
 * Each layer is read and verified once, on first use.
 */
export class LayerStore {
  private readonly entries = new Map<string, LayerEntry>();
  private readonly loaded = new Map<string, Layer>();

  constructor(readonly dirs: string[], private readonly opts: LoadLayerOptions = {}) {
    for (const dir of dirs) {
      for (const e of scanLayerDir(dir)) {
        const id = `${e.manifest.name}@${e.manifest.version}`;
        if (!this.entries.has(id)) this.entries.set(id, e);
      }
    }
  }

  /** All known layers, "name@version". */
  ids(): string[] {
    return [...this.entries.keys()].sort();
  }

  get(ref: string): Layer {
    const id = this.resolveId(ref);
    let layer = this.loaded.get(id);
    if (!layer) {
      layer = loadLayer((this.entries.get(id) as LayerEntry).manifestPath, this.opts);
      this.loaded.set(id, layer);
    }
    return layer;
  }

  private resolveId(ref: string): string {
    if (ref.includes('@')) {
      if (!this.entries.has(ref)) {
        throw new LayerError(`layer ${ref} not found in ${this.dirs.join(', ')} (have: ${this.ids().join(', ') || 'none'})`);
      }
      return ref;
    }
    const matches = this.ids().filter((id) => id.startsWith(ref + '@'));
    if (matches.length === 1) return matches[0] as string;
    if (matches.length === 0) {
      throw new LayerError(`layer ${ref} not found in ${this.dirs.join(', ')} (have: ${this.ids().join(', ') || 'none'})`);
    }
    throw new LayerError(`layer ${ref} is ambiguous (${matches.join(', ')}): name a version, ${ref}@VERSION`);
  }
}
