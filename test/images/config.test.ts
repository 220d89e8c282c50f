// Loading images and layers: the default configuration, operator configurations that extend
// it, and verification failures (corrupted zips, missing or conflicting layers, bad builds).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_LAYOUT } from '../../src/runtime/layout.js';
import { defaultImageName, ImageConfigError, loadImages } from '../../src/runtime/layeredImages.js';
import { defaultLayerDir, LayerError, loadLayer, scanLayerDir, zipEntries } from '../../src/runtime/layers.js';
import { buildLayer, makeWheel, testRoot, writeConfig, writeDemoPackage } from './helpers.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cj-images-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('the default configuration: py311-base, py311-sci-2026.1 and openedx-2026.1 (the default)', () => {
  assert.equal(defaultImageName(undefined, testRoot()), 'openedx-2026.1');
  const images = loadImages(undefined, { root: testRoot() });
  assert.deepEqual([...images.keys()].sort(), ['openedx-2026.1', 'py311-base', 'py311-sci-2026.1']);
  const base = images.get('py311-base')!;
  const sci = images.get('py311-sci-2026.1')!;
  assert.deepEqual(base.sysPath, []);
  assert.ok(base.preloads.includes('six') && base.preloads.includes('random2'));
  assert.deepEqual(sci.sysPath, ['numpy', 'sympy', 'networkx', 'pyparsing', 'dateutil'].map((n) => `/usr/lib/codejail-wasm/layers/${n}.zip`));
  for (const p of sci.sysPath) assert.ok(sci.files.some((f) => f.path === p), p);
  assert.ok(sci.files.some((f) => f.path === SANDBOX_LAYOUT.stdlibZip));
  for (const m of ['six', 'random2', 'numpy', 'sympy', 'networkx', 'pyparsing', 'dateutil.parser']) assert.ok(sci.preloads.includes(m), m);
  assert.equal(base.runtime, 'base');
  assert.equal(sci.runtime, 'numpy-1.24', 'the bookworm image runs on the numpy 1.24.2 runtime: numpy wherever its content reaches');
  assert.notEqual(sci.wasmBytes, base.wasmBytes);
  const openedx = images.get('openedx-2026.1')!;
  assert.equal(openedx.runtime, 'openedx');
  assert.equal(openedx.sysPath[0], '/usr/lib/codejail-wasm/layers/python-openedx.zip');
  for (const m of ['numpy', 'regex', 'lxml']) assert.ok(openedx.runtimeModules.includes(m), m);
  // What capa lets every problem use by name (its assumed imports) is in the snapshot.
  for (const m of ['numpy', 'calc', 'eia', 'chem.chemcalc', 'chem.chemtools', 'chem.miller', 'verifiers.draganddrop']) {
    assert.ok(openedx.preloads.includes(m), m);
  }
  const pkgs = Object.fromEntries(sci.layers.flatMap((l) => l.packages).map((p) => [p.name, p.version]));
  assert.equal(pkgs['sympy'], '1.11.1');
  assert.equal(pkgs['networkx'], '2.8.8');
  assert.equal(pkgs['pyparsing'], '3.0.9');
  assert.equal(pkgs['python-dateutil'], '2.8.2');
});

test('committed layers match SHA256SUMS and their manifests, pyc-only, no tests, Debian code paths', () => {
  const dir = defaultLayerDir(testRoot());
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
  const entries = scanLayerDir(dir);
  assert.deepEqual([...new Set(entries.map((e) => e.manifest.name))].sort(), [
    'chem', 'codejail-includes', 'dateutil', 'markupsafe', 'mpmath', 'networkx', 'nltk', 'openedx-calc', 'pyparsing', 'sympy',
  ]);
  for (const e of entries) {
    const layer = loadLayer(e.manifestPath);
    assert.ok(sums.includes(`${sha256(layer.data)}  ${e.manifest.zip}`));
    const names = zipEntries(layer.data).map((z) => z.name);
    assert.equal(names.filter((n) => !n.endsWith('/')).length, e.manifest.files);
    assert.deepEqual(names, [...names].sort(), 'entries are sorted');
    assert.ok(!names.some((n) => n.endsWith('.py')), 'no sources');
    assert.ok(!names.some((n) => n.includes('/tests/')), 'no tests directories');
    assert.ok(!names.some((n) => n.includes('__pycache__')));
    assert.equal(e.manifest.codePrefix, '/usr/lib/python3/dist-packages/');
    for (const p of e.manifest.packages) {
      assert.ok(p.origin === 'deb' || p.origin === 'vendor', p.source);
      assert.match(p.sha256 ?? '', /^[0-9a-f]{64}$/);
      // The record names the archive, never a path of the machine that built it.
      assert.ok(!p.source.includes('/'), p.source);
    }
  }
});

test('a corrupted layer zip is refused with a clear checksum error', () => {
  const dir = join(tmp, 'corrupt');
  mkdirSync(dir);
  for (const f of ['pyparsing-3.0.9-1.zip', 'pyparsing-3.0.9-1.manifest.json']) copyFileSync(join(defaultLayerDir(testRoot()), f), join(dir, f));
  const zip = join(dir, 'pyparsing-3.0.9-1.zip');
  const data = readFileSync(zip);
  data[1000] = (data[1000] as number) ^ 0xff;
  writeFileSync(zip, data);
  // Without a SHA256SUMS the manifest's sha256 catches it.
  assert.throws(() => loadLayer(join(dir, 'pyparsing-3.0.9-1.manifest.json')), (err: Error) => {
    assert.ok(err instanceof LayerError);
    assert.match(err.message, /layer pyparsing@3\.0\.9-1 .*checksum mismatch for pyparsing-3\.0\.9-1\.zip: manifest says [0-9a-f]{64}, the file is [0-9a-f]{64} \(corrupted or modified layer\)/);
    return true;
  });
  // Through an image configuration, the error names the image too.
  const cfg = writeConfig(join(dir, 'images.json'), {
    include: 'default', layerDirs: ['.'], defaultImage: 'bad',
    images: [{ name: 'bad', extends: 'py311-base', layers: ['pyparsing@3.0.9-1'] }],
  });
  assert.throws(() => loadImages(cfg, { root: testRoot(), only: ['bad'] }), /image bad: layer pyparsing@3\.0\.9-1 .*checksum mismatch/);
  // With a SHA256SUMS (as in python-wasm/layers/dist) the listed checksum catches it first.
  copyFileSync(join(defaultLayerDir(testRoot()), 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
  assert.throws(() => loadLayer(join(dir, 'pyparsing-3.0.9-1.manifest.json')),
    /checksum mismatch for pyparsing-3\.0\.9-1\.zip: SHA256SUMS says [0-9a-f]{64}, the file is [0-9a-f]{64}/);
  // A manifest edited to match a tampered zip still fails against SHA256SUMS.
  const manifestPath = join(dir, 'pyparsing-3.0.9-1.manifest.json');
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  m.zipSha256 = sha256(data);
  writeFileSync(manifestPath, JSON.stringify(m, null, 2) + '\n');
  assert.throws(() => loadLayer(manifestPath), /SHA256SUMS says/);
});

test('configuration errors: unknown layer, ambiguous versions, module conflicts, compat shadowing', () => {
  const v1 = buildLayer(['--name', 'demo', '--version', '1', '--out', join(tmp, 'layers'), `dir:${writeDemoPackage(tmp, '1.0')}`]);
  buildLayer(['--name', 'demo', '--version', '2', '--out', join(tmp, 'layers'), `dir:${writeDemoPackage(tmp, '2.0')}`]);
  assert.equal(JSON.parse(v1.stdout).name, 'demo');
  const six = join(tmp, 'six-src');
  mkdirSync(six);
  writeFileSync(join(six, 'six.py'), 'X = 1\n');
  buildLayer(['--name', 'six', '--version', '9', '--out', join(tmp, 'layers'), `dir:${six}`]);
  const cfg = (images: object[]) => writeConfig(join(tmp, 'cfg.json'), {
    include: 'default', layerDirs: ['layers'], defaultImage: 'py311-base', images: images as never,
  });
  assert.throws(() => loadImages(cfg([{ name: 'x', layers: ['nope@1'] }]), { root: testRoot(), only: ['x'] }),
    (e: Error) => e instanceof LayerError && /image x: layer nope@1 not found/.test(e.message));
  assert.throws(() => loadImages(cfg([{ name: 'x', layers: ['demo'] }]), { root: testRoot(), only: ['x'] }),
    /layer demo is ambiguous \(demo@1, demo@2\)/);
  assert.throws(() => loadImages(cfg([{ name: 'x', layers: ['demo@1', 'demo@2'] }]), { root: testRoot(), only: ['x'] }),
    (e: Error) => e instanceof ImageConfigError && /listed twice/.test(e.message));
  assert.throws(() => loadImages(cfg([{ name: 'x', layers: ['six@9'] }]), { root: testRoot(), only: ['x'] }),
    /layer six@9 provides six, which the runtime's compat modules already provide/);
  // A layer may not provide what the image's runtime has built in (it would never be imported).
  const np = join(tmp, 'numpy-src');
  mkdirSync(join(np, 'numpy'), { recursive: true });
  writeFileSync(join(np, 'numpy', '__init__.py'), 'X = 1\n');
  buildLayer(['--name', 'fakenumpy', '--version', '1', '--out', join(tmp, 'layers'), `dir:${np}`]);
  assert.throws(() => loadImages(cfg([{ name: 'x', runtime: 'numpy-1.24', layers: ['fakenumpy@1'] }]), { root: testRoot(), only: ['x'] }),
    /image x: module numpy is in both runtime numpy-1\.24 and layer fakenumpy@1/);
  assert.throws(() => loadImages(cfg([{ name: 'x', runtime: 'pypy' }]), { root: testRoot(), only: ['x'] }),
    /image x: runtime must be one of base, numpy-1\.24, openedx/);
  assert.throws(() => loadImages(cfg([{ name: 'x', extends: 'y' }, { name: 'y', extends: 'x' }]), { root: testRoot() }), /cycle/);
  assert.throws(() => loadImages(cfg([{ name: 'x', extends: 'missing' }]), { root: testRoot() }), /extends unknown image missing/);
  const ok = loadImages(cfg([{ name: 'x', extends: 'py311-base', layers: ['demo@2'], addPreloads: ['demo_pkg'] }]), { root: testRoot(), only: ['x'] });
  const x = ok.get('x')!;
  assert.deepEqual(x.sysPath, ['/usr/lib/codejail-wasm/layers/demo.zip']);
  assert.equal(x.preloads[x.preloads.length - 1], 'demo_pkg');
  assert.deepEqual(x.layers.map((l) => [l.name, l.version]), [['demo', '2']]);
});

test('the builder refuses compiled extensions, non-pure wheels and unpinned Debian packages', () => {
  const src = join(tmp, 'ext-src');
  mkdirSync(join(src, 'fastpkg'), { recursive: true });
  writeFileSync(join(src, 'fastpkg', '__init__.py'), 'from ._speedups import f\n');
  writeFileSync(join(src, 'fastpkg', '_speedups.cpython-311-x86_64-linux-gnu.so'), 'ELF');
  const r = buildLayer(['--name', 'fast', '--version', '1', '--out', join(tmp, 'out'), `dir:${src}`], true);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /compiled extensions are not allowed.*\n.*fastpkg\/_speedups\.cpython-311-x86_64-linux-gnu\.so/);
  const unpinned = buildLayer(['--name', 'x', '--version', '1', '--out', join(tmp, 'out'), 'deb:python3-sympy'], true);
  assert.equal(unpinned.status, 1);
  assert.match(unpinned.stderr, /must pin an exact version/);
  const whl = join(tmp, 'plat-1.0-cp311-cp311-linux_x86_64.whl');
  makeWheel(whl, 'plat', '1.0', { 'plat/__init__.py': 'X = 1\n' }, false);
  const plat = buildLayer(['--name', 'plat', '--version', '1', '--out', join(tmp, 'out'), `wheel:${whl}`], true);
  assert.equal(plat.status, 1);
  assert.match(plat.stderr, /not a pure-Python wheel/);
});

/** A source archive as ../shared/vendor holds them (one top directory) with its SHA256SUMS. */
function writeVendorArchive(dir: string): string {
  const top = join(dir, 'src', 'vendpkg-1.2');
  mkdirSync(join(top, 'lib', 'vendpkg', 'tests'), { recursive: true });
  writeFileSync(join(top, 'lib', 'vendpkg', '__init__.py'), 'GREETING = "hello"\n');
  writeFileSync(join(top, 'lib', 'vendpkg', 'tests', '__init__.py'), '');
  writeFileSync(join(top, 'lib', 'vendmod.py'), 'X = 1\n');
  writeFileSync(join(top, 'setup.py'), 'raise SystemExit("not part of the layer")\n');
  const archive = join(dir, 'vendpkg-1.2.tar.gz');
  const tar = spawnSync('tar', ['-czf', archive, '-C', join(dir, 'src'), 'vendpkg-1.2']);
  assert.equal(tar.status, 0, String(tar.stderr));
  writeFileSync(join(dir, 'SHA256SUMS'), `${sha256(readFileSync(archive))}  vendpkg-1.2.tar.gz\n`);
  return archive;
}

/** Write a one-file unified diff (`patch -p1`): a description, then the hunk lines. */
function writePatch(path: string, description: string, file: string, hunk: string[]): string {
  writeFileSync(path, [description, '', `--- a/${file}`, `+++ b/${file}`, ...hunk, ''].join('\n'));
  return path;
}

test('deb: a Debian package may be patched; the manifest records the patch by file name', () => {
  const dir = join(tmp, 'debpatch');
  const root = join(dir, 'pkg');
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr', 'lib', 'python3', 'dist-packages', 'debmod'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), 'Package: python3-debmod\nVersion: 1.0-1\nArchitecture: all\n' +
    'Maintainer: test <t@example.org>\nDescription: test\n');
  writeFileSync(join(root, 'usr', 'lib', 'python3', 'dist-packages', 'debmod', '__init__.py'), 'import no_such_module_cjw\nX = 1\n');
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  const deb = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, join(cache, 'python3-debmod_1.0-1_all.deb')], { encoding: 'utf8' });
  assert.equal(deb.status, 0, deb.stderr);
  const patch = writePatch(join(dir, 'debmod-0001.patch'), 'Drop an import.', 'debmod/__init__.py',
    ['@@ -1,2 +1 @@', '-import no_such_module_cjw', ' X = 1']);
  const m = JSON.parse(buildLayer(['--name', 'debmod', '--version', '1.0-1', '--out', join(dir, 'out'), '--deb-cache', cache,
    '--check-import', 'debmod', `deb:python3-debmod=1.0-1?patch=${patch}`]).stdout);
  const p = m.packages[0];
  assert.equal(p.origin, 'deb');
  assert.equal(p.source, 'deb:python3-debmod=1.0-1?patch=debmod-0001.patch');
  assert.deepEqual(p.patches, [{ file: 'debmod-0001.patch', sha256: sha256(readFileSync(patch)) }]);
  // Unpatched, the package does not import (--check-import fails the build).
  const bad = buildLayer(['--name', 'debmod', '--version', '1.0-1', '--out', join(dir, 'out2'), '--deb-cache', cache,
    '--check-import', 'debmod', 'deb:python3-debmod=1.0-1'], true);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /no_such_module_cjw/);
  const unknown = buildLayer(['--name', 'debmod', '--version', '1.0-1', '--out', join(dir, 'out3'), '--deb-cache', cache,
    'deb:python3-debmod=1.0-1?root=x'], true);
  assert.match(unknown.stderr, /unknown parameter\(s\) root/);
});

test('vendor: sources are checked against SHA256SUMS, patched, selected and given metadata', () => {
  const dir = join(tmp, 'vendor');
  mkdirSync(dir);
  const archive = writeVendorArchive(dir);
  const patch = writePatch(join(dir, 'greeting.patch'), 'Change the greeting.', 'lib/vendpkg/__init__.py',
    ['@@ -1 +1 @@', '-GREETING = "hello"', '+GREETING = "patched"']);
  const spec = `vendor:${archive}?name=vend-pkg&version=1.2&root=lib&include=vendpkg,vendmod.py&patch=${patch}`;
  const m = JSON.parse(buildLayer(['--name', 'vend', '--version', '1.2', '--drop-tests', '--out', join(dir, 'out'), spec]).stdout);
  assert.deepEqual(m.topLevel, ['vendmod', 'vendpkg']);
  assert.deepEqual(m.dropped.packages, ['vendpkg.tests']);
  const p = m.packages[0];
  assert.equal(p.origin, 'vendor');
  assert.equal(p.sha256, sha256(readFileSync(archive)));
  assert.equal(p.source, 'vendor:vendpkg-1.2.tar.gz?include=vendpkg,vendmod.py&name=vend-pkg&patch=greeting.patch&root=lib&version=1.2');
  assert.deepEqual(p.patches, [{ file: 'greeting.patch', sha256: sha256(readFileSync(patch)) }]);
  assert.deepEqual(p.distributions, [{ name: 'vend-pkg', version: '1.2', metadata: 'vend_pkg-1.2.dist-info' }]);
  const zip = join(dir, 'out', 'vend-1.2.zip');
  const native = spawnSync('/usr/bin/python3', ['-I', '-S', '-c',
    `import sys; sys.path.insert(0, ${JSON.stringify(zip)})\nimport vendpkg, vendmod, importlib.metadata as md\n` +
    'print(vendpkg.GREETING, vendmod.X, md.version("vend-pkg"), md.distribution("vend-pkg").read_text("top_level.txt").split())'],
  { encoding: 'utf8' });
  assert.equal(native.stderr, '');
  assert.equal(native.stdout, "patched 1 1.2 ['vendmod', 'vendpkg']\n");

  // A tampered archive, one SHA256SUMS does not list, and a bad selection are refused.
  writeFileSync(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  vendpkg-1.2.tar.gz\n`);
  const bad = buildLayer(['--name', 'vend', '--version', '1.2', '--out', join(dir, 'out2'), spec], true);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /vendpkg-1\.2\.tar\.gz: sha256 [0-9a-f]{64}, but SHA256SUMS lists 0{64}/);
  writeFileSync(join(dir, 'SHA256SUMS'), '');
  const unlisted = buildLayer(['--name', 'vend', '--version', '1.2', '--out', join(dir, 'out2'), spec], true);
  assert.match(unlisted.stderr, /vendpkg-1\.2\.tar\.gz is not listed in .*SHA256SUMS/);
  writeVendorArchive(dir);
  const missing = buildLayer(['--name', 'vend', '--version', '1.2', '--out', join(dir, 'out2'),
    `vendor:${archive}?name=v&version=1&include=nosuch`], true);
  assert.match(missing.stderr, /nosuch is neither a package directory nor a \.py module/);
});

test('--omit-compiled leaves compiled extensions out and lists them', () => {
  const src = join(tmp, 'omit-src');
  mkdirSync(join(src, 'fastpkg'), { recursive: true });
  writeFileSync(join(src, 'fastpkg', '__init__.py'), 'try:\n    from ._speedups import f\nexcept ImportError:\n    f = None\n');
  writeFileSync(join(src, 'fastpkg', '_speedups.cpython-311-x86_64-linux-gnu.so'), 'ELF');
  const m = JSON.parse(buildLayer(['--name', 'fast', '--version', '1', '--omit-compiled', '--out', join(tmp, 'omit'), `dir:${src}`]).stdout);
  assert.equal(m.files, 1);
  assert.deepEqual(m.warnings, [`compiled extension left out (the package's pure-Python fallback is used): dir:${src}: fastpkg/_speedups.cpython-311-x86_64-linux-gnu.so`]);
});

test('layers are reproducible: the same sources give the same zip bytes', () => {
  const src = writeDemoPackage(join(tmp), '3.0');
  const a = JSON.parse(buildLayer(['--name', 'demo', '--version', '3', '--out', join(tmp, 'ra'), `dir:${src}`]).stdout);
  const b = JSON.parse(buildLayer(['--name', 'demo', '--version', '3', '--out', join(tmp, 'rb'), `dir:${src}`]).stdout);
  assert.equal(a.zipSha256, b.zipSha256);
  assert.deepEqual(readFileSync(join(tmp, 'ra', 'demo-3.zip')), readFileSync(join(tmp, 'rb', 'demo-3.zip')));
  const entries = zipEntries(readFileSync(join(tmp, 'ra', 'demo-3.zip')));
  assert.deepEqual(entries.map((e) => e.name), [
    'demo_pkg-3.0.dist-info/', 'demo_pkg-3.0.dist-info/METADATA', 'demo_pkg/', 'demo_pkg/__init__.pyc', 'demo_pkg/core.pyc',
  ]);
});
