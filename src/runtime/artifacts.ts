// The committed runtime artifacts on the host: finding them, checking them against their
// SHA256SUMS manifests, and presenting the .py sources of a zip at the paths Debian uses.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { ImageFile } from './image.js';

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

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A directory's SHA256SUMS (file -> sha256), or null when it has none. */
export function readChecksums(dir: string): Map<string, string> | null {
  const path = join(dir, 'SHA256SUMS');
  if (!existsSync(path)) return null;
  const sums = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m) sums.set(m[2] as string, m[1] as string);
  }
  return sums;
}

export interface ChecksumProblem { file: string; expected: string; actual: string | null }

/** Compare a directory against its SHA256SUMS manifest (which must exist). Empty list = all good. */
export function verifyArtifacts(distDir: string): ChecksumProblem[] {
  const sums = readChecksums(distDir);
  if (!sums) throw new Error(`${join(distDir, 'SHA256SUMS')}: no such file`);
  const problems: ChecksumProblem[] = [];
  for (const [file, expected] of sums) {
    let actual: string | null = null;
    try {
      actual = sha256Hex(readFileSync(join(distDir, file)));
    } catch { /* missing file */ }
    if (actual !== expected) problems.push({ file, expected, actual });
  }
  return problems;
}

/** Throw unless `distDir` matches its SHA256SUMS; `what` names the artifacts, `where` their manifest. */
export function requireVerified(distDir: string, what: string, where: string): void {
  const problems = verifyArtifacts(distDir);
  if (problems.length > 0) {
    throw new Error(`${what} artifacts do not match ${where}: ` + problems.map((p) => p.file).join(', '));
  }
}

/** The .py sources stored in a zip, as files under `dir`. Imports use the zip's bytecode;
 * these exist so that tracebacks (which open the file named in the code object) and inspect
 * show the same source lines as a native interpreter. */
export function zipSources(zip: Uint8Array, dir: string): ImageFile[] {
  const entries = unzipSync(zip, { filter: (f) => f.name.endsWith('.py') });
  return Object.keys(entries).sort().map((name) => ({ path: `${dir}/${name}`, data: entries[name]! }));
}

/** A library zip's package data (every file but modules and distribution metadata) as files
 * under `dir`: natively a package's data files sit beside its modules in dist-packages, and
 * libraries open them at paths made from their `__file__` (nltk's VERSION, lxml's schematron
 * stylesheets), which name dist-packages here too (compat/_cj_driver.py). */
export function zipPackageData(zip: Uint8Array, dir: string): ImageFile[] {
  const isData = (name: string): boolean =>
    !name.endsWith('/') && !/\.pyc?$/.test(name) && !/^[^/]+\.(dist|egg)-info\//.test(name);
  const entries = unzipSync(zip, { filter: (f) => isData(f.name) });
  return Object.keys(entries).sort().map((name) => ({ path: `${dir}/${name}`, data: entries[name]! }));
}

/** A zip's bytecode (unchecked-hash pycs) under `dir`, where a native interpreter caches it:
 * `<dir>/<pkg>/__pycache__/<module>.cpython-311.pyc`. The runtime boots from the stdlib zip, then
 * imports the stdlib from its Debian directory as python3.11 does (compat/_cj_driver.py, ADR 0010). */
export function zipBytecode(zip: Uint8Array, dir: string): ImageFile[] {
  const entries = unzipSync(zip, { filter: (f) => f.name.endsWith('.pyc') });
  return Object.keys(entries).sort().map((name) => {
    const slash = name.lastIndexOf('/');
    const cached = `${name.slice(0, slash + 1)}__pycache__/${name.slice(slash + 1, -4)}.cpython-311.pyc`;
    return { path: `${dir}/${cached}`, data: entries[name]! };
  });
}
