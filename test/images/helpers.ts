// Helpers of the image tests: build layers at test time with python-wasm/layers/build_layer.py
// (the same builder the committed layers come from) and write image configurations.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';
import type { ImagesConfigFile } from '../../src/runtime/layeredImages.js';

export const PYTHON = '/usr/bin/python3';

/** The repository whose runtime and layers the image tests load: this one, unless
 * CJ_IMAGES_TEST_ROOT names another checkout (e.g. a stable copy while python-wasm/dist is
 * being rebuilt in this tree). */
export function testRoot(): string {
  return process.env['CJ_IMAGES_TEST_ROOT'] || repoRoot();
}
export const BUILDER = join(repoRoot(), 'python-wasm', 'layers', 'build_layer.py');

export interface BuildResult { status: number; stdout: string; stderr: string }

/** Run build_layer.py; throws with its stderr unless `allowFailure`. */
export function buildLayer(args: string[], allowFailure = false): BuildResult {
  const r = spawnSync(PYTHON, [BUILDER, ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PYTHONHASHSEED: '0' } });
  const out = { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (!allowFailure && out.status !== 0) throw new Error(`build_layer.py ${args.join(' ')} failed:\n${out.stderr}`);
  return out;
}

/** Write a tiny pure-Python package `demo_pkg` of the given version as a site-packages-like dir. */
export function writeDemoPackage(dir: string, version: string): string {
  const src = join(dir, `demo-src-${version}`);
  mkdirSync(join(src, 'demo_pkg'), { recursive: true });
  writeFileSync(join(src, 'demo_pkg', '__init__.py'),
    `__version__ = ${JSON.stringify(version)}\nfrom .core import greet\n`);
  writeFileSync(join(src, 'demo_pkg', 'core.py'),
    `def greet(name):\n    return "demo %s says hello to %s" % (__import__("demo_pkg").__version__, name)\n\n` +
    `def fail():\n    raise ValueError("boom from demo_pkg")\n`);
  mkdirSync(join(src, `demo_pkg-${version}.dist-info`));
  writeFileSync(join(src, `demo_pkg-${version}.dist-info`, 'METADATA'),
    `Metadata-Version: 2.1\nName: demo_pkg\nVersion: ${version}\n`);
  return src;
}

/** Write an image configuration that extends the default one (layers from `layerDirs` win). */
export function writeConfig(path: string, cfg: Omit<ImagesConfigFile, 'format'>): string {
  writeFileSync(path, JSON.stringify({ format: 1, ...cfg }, null, 2));
  return path;
}

/** Write a wheel (a zip with a .dist-info) with Python's zipfile. */
export function makeWheel(path: string, name: string, version: string, files: Record<string, string>, pure = true): void {
  const code = `
import json, sys, zipfile
path, name, version, files, pure = json.loads(sys.argv[1])
di = "%s-%s.dist-info" % (name, version)
with zipfile.ZipFile(path, "w") as z:
    for k, v in sorted(files.items()):
        z.writestr(k, v)
    z.writestr(di + "/METADATA", "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version))
    z.writestr(di + "/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: %s\\nTag: py3-none-any\\n" % ("true" if pure else "false"))
    z.writestr(di + "/RECORD", "")
`;
  const r = spawnSync(PYTHON, ['-c', code, JSON.stringify([path, name, version, files, pure])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}


let installRoot: string | null = null;
const installed = new Map<string, string>();

/** Library layer zips unpacked, each into a directory of its own, as an installed package is a
 * directory natively: package data files beside the modules (the same pyc-only bytecode, which
 * CPython imports from a directory as from a zip). Once per zip and process. */
export function installedLayers(zips: string[]): string[] {
  return zips.map((zip) => {
    let dir = installed.get(zip);
    if (dir === undefined) {
      if (installRoot === null) {
        const root = mkdtempSync(join(tmpdir(), 'cj-native-layers-'));
        process.on('exit', () => rmSync(root, { recursive: true, force: true }));
        installRoot = root;
      }
      dir = join(installRoot, `${installed.size}-${basename(zip, '.zip')}`);
      const r = spawnSync(PYTHON, ['-I', '-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cannot unpack ${zip}: ${r.stderr}`);
      installed.set(zip, dir);
    }
    return dir;
  });
}

/** Native CPython 3.11 (Debian's) running `code` as `python -c` does, with `before` (a course's
 * python_lib.zip), the given library layers (installedLayers) and then Debian's dist-packages on
 * sys.path: no site, no user site. */
export function nativeWithLayers(code: string, layers: string[], before: string[] = []): BuildResult {
  const boot = [
    'import sys',
    `sys.path[:0] = ${JSON.stringify([...before, ...installedLayers(layers)])}`,
    'sys.path.append("/usr/lib/python3/dist-packages")',
    'src = sys.argv.pop(1)',
    'sys.argv[0] = "-c"',
    'import __main__',
    'exec(compile(src, "<string>", "exec"), __main__.__dict__)',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-I', '-S', '-B', '-c', boot, code], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, cwd: '/tmp' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
