// Native (x86_64) builds of the vendored regex and lxml sources the openedx runtime compiles for
// wasm32: the reference the libraries' own test suites run against (suites.test.ts). Built with
// Debian's python3 3.11.2, gcc, and (lxml) Debian's libxml2/libxslt 2.9.14/1.1.35 and Cython
// 3.0.11 from the vendored tree; cached under the OS temp directory, keyed by the archives' sha256.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';

/** ../shared/vendor (the checksummed source archives), or null where it is not available (CI). */
export function vendorDir(): string | null {
  const dir = process.env['VENDOR'] ?? join(repoRoot(), '..', 'shared', 'vendor');
  return existsSync(join(dir, 'SHA256SUMS')) ? dir : null;
}

function sh(script: string, cwd: string): void {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`native build failed:\n${script}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
}

/** Unpack a vendored archive into dir (checking its sha256 against SHA256SUMS); its top directory. */
export function unpackVendored(archive: string, dir: string): string {
  const vendor = vendorDir();
  if (!vendor) throw new Error('no ../shared/vendor');
  const data = readFileSync(join(vendor, archive));
  const sum = createHash('sha256').update(data).digest('hex');
  if (!readFileSync(join(vendor, 'SHA256SUMS'), 'utf8').includes(`${sum}  ${archive}`)) {
    throw new Error(`${archive} does not match ${vendor}/SHA256SUMS`);
  }
  mkdirSync(dir, { recursive: true });
  sh(`tar -xf ${JSON.stringify(join(vendor, archive))}`, dir);
  return join(dir, archive.replace(/\.tar\.gz$/, ''));
}

function cached(name: string, archives: string[], build: (dir: string) => void): string {
  const vendor = vendorDir()!;
  const key = createHash('sha256');
  for (const a of archives) key.update(readFileSync(join(vendor, a)));
  const dir = join(tmpdir(), `cjw-native-${name}-${key.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'DONE'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  build(work);
  writeFileSync(join(work, 'DONE'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

/** regex built natively from the vendored source: returns [sys.path entry, the source tree]. */
export function nativeRegex(): { path: string; src: string } {
  const dir = cached('regex', ['mrab-regex-2023.12.26.tar.gz'], (work) => {
    const src = unpackVendored('mrab-regex-2023.12.26.tar.gz', work);
    sh(`mkdir -p site/regex && cp regex_3/__init__.py regex_3/regex.py regex_3/_regex_core.py site/regex/ &&
      gcc -shared -fPIC -O2 -fno-strict-aliasing -I/usr/include/python3.11 regex_3/_regex.c regex_3/_regex_unicode.c \
        -o site/regex/_regex$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')`, src);
  });
  const src = join(dir, 'mrab-regex-2023.12.26');
  return { path: join(src, 'site'), src };
}

/** lxml 5.3.2 built natively (in place) from the vendored source: [sys.path entry, source tree]. */
export function nativeLxml(): { path: string; src: string } {
  const dir = cached('lxml', ['lxml-5.3.2.tar.gz', 'cython-3.0.11.tar.gz'], (work) => {
    const cython = unpackVendored('cython-3.0.11.tar.gz', work);
    const src = unpackVendored('lxml-5.3.2.tar.gz', work);
    sh(`printf '#ifndef LXML_VERSION_STRING\\n#define LXML_VERSION_STRING "5.3.2"\\n#endif\\n' > includes/lxml-version.h
      for m in etree objectify; do /usr/bin/python3 ${JSON.stringify(cython)}/cython.py -3 -I includes -I . $m.pyx -o $m.c; done
      ext=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
      for m in etree objectify; do
        gcc -shared -fPIC -O1 -fno-strict-aliasing -DCYTHON_CLINE_IN_TRACEBACK=0 -I. -Iincludes \
          -I/usr/include/libxml2 -I/usr/include/python3.11 $m.c -o $m$ext -lexslt -lxslt -lxml2 -lz -lm
      done`, join(src, 'src', 'lxml'));
  });
  const src = join(dir, 'lxml-5.3.2');
  return { path: join(src, 'src'), src };
}

/** numpy 1.26.4 built natively from the same vendored source (numpy-scipy's numpy-native
 * component of the openedx build), as a sys.path entry; null where it is not built here (then
 * Debian's numpy 1.24.2 is the native reference). CJW_NATIVE_NUMPY names another build. */
export function nativeNumpy(): string | null {
  const dir = process.env['CJW_NATIVE_NUMPY'] ?? '/var/tmp/codejail-wasm-openedx-build/components/numpy-native/out';
  const r = spawnSync('/usr/bin/python3', ['-I', '-S', '-c', 'import sys; sys.path.insert(0, sys.argv[1]); import numpy; print(numpy.__version__)', dir],
    { encoding: 'utf8', cwd: '/' });
  return r.status === 0 && r.stdout.trim() === '1.26.4' ? dir : null;
}
