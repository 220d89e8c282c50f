// The "Open edX sandbox" image (openedx-2026.1): course content that uses its libraries gives
// the results of native CPython 3.11 running the same library code. Natively the image's own
// layers come first on sys.path, each unpacked into a directory as an installed package is (the
// same pycs the sandbox imports, package data beside them: installedLayers), then Debian's
// dist-packages for the compiled libraries (numpy, lxml, regex), as in .ci/run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { loadImages, type LayeredImage } from '../../src/runtime/layeredImages.js';
import { defaultLayerDir } from '../../src/runtime/layers.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { assertSeededPerRun, nativePython, runCode, startJail, text } from '../support/jail.js';
import { nativeWithLayers, testRoot } from './helpers.js';

export const OPENEDX_IMAGE = 'openedx-2026.1';
const CONTENT = join(repoRoot(), 'test', 'images', 'content');
const LIMITS = { CPU: 30, REALTIME: 60 };

let image: LayeredImage;
let jail: Jail;
before(async () => {
  image = loadImages(undefined, { root: testRoot(), only: [OPENEDX_IMAGE] }).get(OPENEDX_IMAGE)!;
  jail = await startJail({ workers: 2, image });
});
after(async () => {
  await jail?.close();
});

/** The image's layer zips as files of this checkout, in sys.path order. */
function layerZips(): string[] {
  return image.layers.map((l) => join(defaultLayerDir(testRoot()), `${l.name}-${l.version}.zip`));
}

async function sameAsNative(code: string): Promise<string> {
  const native = nativeWithLayers(code, layerZips());
  assert.equal(native.status, 0, `native run failed (are python3-numpy, -lxml, -regex installed?):\n${native.stderr}`);
  const r = await runCode(jail, code, LIMITS);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
  return native.stdout;
}

for (const file of readdirSync(CONTENT).filter((f) => f.endsWith('.py')).sort()) {
  const code = readFileSync(join(CONTENT, file), 'utf8');
  test(`content ${file} gives the native result`, async () => {
    const out = await sameAsNative(code);
    assert.ok(out.trim().split('\n').length >= 3, out);
  });
}

test('the sandbox\'s libraries are importable by name, at the pinned (or newest obtainable) versions', async () => {
  const r = await runCode(jail, [
    'import importlib.metadata as md',
    'for d in ("sympy", "mpmath", "networkx", "pyparsing", "python-dateutil", "nltk", "regex", "lxml", "markupsafe",',
    '          "chem", "codejail-includes", "openedx-calc", "joblib", "tqdm", "click"):',
    '    print(d, md.version(d))',
    'import verifiers.draganddrop, loncapa, eia, chem.chemcalc, chem.chemtools, symmath, nltk, regex',
    'import lxml.etree, lxml.objectify, lxml.html, markupsafe, six, random2, dateutil.parser',
    'import numpy, calc, chem.miller, joblib, tqdm, click',
    'print("numpy", numpy.__version__)',
  ].join('\n'), LIMITS);
  assert.equal(r.status, 0, text(r.stderr));
  // codejail-service's requirements/sandbox/base.txt pins; openedx-calc 4.0.1 and nltk 3.8.1 are
  // the newest obtainable here (5.0.0, 3.9.3 pinned), regex 2023.12.25 (2026.2.28), markupsafe
  // 2.1.2 from Debian (3.0.3).
  assert.equal(text(r.stdout), [
    'sympy 1.14.0', 'mpmath 1.3.0', 'networkx 3.6.1', 'pyparsing 3.3.2', 'python-dateutil 2.9.0.post0', 'nltk 3.8.1',
    'regex 2023.12.25', 'lxml 5.3.2', 'markupsafe 2.1.2', 'chem 2.0.0', 'codejail-includes 2.0.0', 'openedx-calc 4.0.1',
    // nltk's dependencies, Debian bookworm's (python-wasm/layers/build-all.sh)
    'joblib 1.2.0', 'tqdm 4.64.1', 'click 8.1.3',
    'numpy 1.26.4', '',
  ].join('\n'));
});

test('sympy 1.14 and networkx 3.6 results that differ from bookworm\'s sympy 1.11 / networkx 2.8', async () => {
  const code = readFileSync(join(CONTENT, 'sympy_networkx_changes.py'), 'utf8');
  const bookworm = nativePython(code);
  assert.equal(bookworm.status, 0, `(is Debian's python3-sympy installed?) ${bookworm.stderr}`);
  const out = await sameAsNative(code);
  assert.notEqual(out, bookworm.stdout);
  assert.equal(out.split('\n')[0], 'False False False');
  assert.equal(bookworm.stdout.split('\n')[0], 'True True True');
});

test('nltk works without downloaded data; what needs data or sqlite3 fails as documented', async () => {
  const r = await runCode(jail, [
    'import nltk',
    // Where nltk would download to (it never can: no network): the sandbox user's home, as natively.
    'import os',
    'print(nltk.word_tokenize.__module__, nltk.downloader._downloader.download_dir == os.path.expanduser("~/nltk_data"))',
    'try:\n    nltk.word_tokenize("Hello there.")\nexcept LookupError as e:\n    print("LookupError", "punkt" in str(e))',
    'try:\n    nltk.corpus.reader.PanLexLiteCorpusReader("/nowhere")\nexcept ImportError as e:\n    print("ImportError", e)',
  ].join('\n'), LIMITS);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), [
    'nltk.tokenize True', 'LookupError True', "ImportError No module named 'sqlite3'", '',
  ].join('\n'));
});

test('a restored run\'s garbage collection is silent: nothing the snapshot held open is closed late', async () => {
  // importlib.metadata opened every layer zip before the snapshot (networkx lists them at import).
  const r = await runCode(jail, 'import gc, importlib.metadata as md\ngc.collect()\nprint(md.version("networkx"))\n', LIMITS);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stderr), '');
  assert.equal(text(r.stdout), '3.6.1\n');
});

test('top-level names are found in the layers as natively, after the layers\' name index: present ones import, absent ones fail', async () => {
  // isympy is a single-file module of sympy's layer that no preload holds (the layer finder
  // looks it up); simplejson is in no layer (codejail's safe_exec program asks for it first);
  // a dotted name under a layer's package. (File names without suffix: the native side's
  // layers are unpacked pycs, the sandbox names the .py Debian installs.)
  await sameAsNative([
    'import sys',
    'for name in ("simplejson", "sympy_nonexistent", "isympy", "mpmath.libmp.libintmath", "calc.preview"):',
    '    try:',
    '        m = __import__(name)',
    '        print(name, "ok", sys.modules[name].__name__, sys.modules[name].__file__.rsplit("/", 1)[-1].split(".")[0])',
    '    except ImportError as e:',
    '        print(name, type(e).__name__, e.name)',
  ].join('\n'));
});

test("support_sympy's_import_time_generators_are_seeded_from_the_run_when_it_imports_them", async () => {
  // sympy.core.random's rng and _assumptions_rng (the order assumptions are tried in) are
  // seeded from the OS at import natively; held in the snapshot, they are reseeded from the
  // run's randomness when the run is handed them.
  await assertSeededPerRun((code, seed) => runCode(jail, code, LIMITS, seed === undefined ? {} : { seed }), [
    'import sympy.core.random as r\nprint(r.rng.random(), r._assumptions_rng.random())',
  ]);
});

test("support_numpy's_global_generator_is_seeded_from_the_run_when_it_imports_numpy", async () => {
  // numpy.random's import makes its global RandomState from fresh OS entropy (natively every
  // process draws other numbers); held in the snapshot, it is made again from the run's
  // randomness when the run is handed numpy: imported, or in scipy's closure.
  await assertSeededPerRun((code, seed) => runCode(jail, code, LIMITS, seed === undefined ? {} : { seed }), [
    'import numpy as np\nprint(np.random.rand(), np.random.randint(2**31), np.random.normal())',
    'import scipy.stats as st\nprint(st.norm.rvs(), st.randint.rvs(0, 2**31))',
  ]);
});

test("support_logging's_relative_times_count_from_its_import_as_natively", async () => {
  // logging's _startTime is the time of its import natively (every record's relativeCreated
  // counts from it); held in the snapshot, it was the warm-up's fixed clock, years before a run.
  const code = 'import logging\nrecord = logging.makeLogRecord({})\nprint(0 <= record.relativeCreated < 60000)\n';
  const native = nativePython(code);
  assert.equal(native.stdout, 'True\n', native.stderr);
  const r = await runCode(jail, code, LIMITS);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
});
