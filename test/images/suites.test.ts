// The Open edX sandbox libraries' own test suites (or a slice of each), run inside OUR sandbox on
// the openedx-2026.1 image and natively on the same sources: the layers' zips (pure Python) or
// native builds of the same vendored regex and lxml sources (nativeLibs.ts). The sandbox may only
// fail where the native run fails too, or where a documented platform difference says so.
//
// Needs ../shared/vendor (the test files come from the vendored archives; Pillow's from Debian's
// source package, `apt-get source`, which needs a deb-src entry); opt-in because it takes
// minutes: CJW_LIB_SUITES=1 node --test dist/test/images/suites.test.js
// Each suite prints its counts as a test diagnostic (the README's figures come from this run).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { loadImages, type LayeredImage } from '../../src/runtime/layeredImages.js';
import { defaultLayerDir } from '../../src/runtime/layers.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { startJail, text } from '../support/jail.js';
import { installedLayers, testRoot } from './helpers.js';
import { nativeLxml, nativeNumpy, nativeRegex, unpackVendored, vendorDir } from './nativeLibs.js';

const IMAGE = 'openedx-2026.1';
const UNITTEST_RUNNER = join(repoRoot(), 'test', 'images', 'suite_runner.py');
// numpy's pytest stand-in (collects test_* functions and Test* classes, parametrize, raises, ...).
const PYTEST_DIR = join(repoRoot(), 'python-wasm', 'numpy', 'testsuite');
const PYTEST_FILES = ['pytest.py', 'hypothesis.py', 'cj_numpy_tests.py'];

interface Summary {
  passed: number; failed: number; skipped: number; errors?: number; error?: number; xfailed?: number; xpassed?: number;
  /** The tests that did not pass (failures and errors), and those skipped. */
  failures: string[]; skips: string[];
}

interface Suite {
  name: string;
  /** The source: a vendored archive, or (debSource) a Debian source package, `apt-get source` spec. */
  archive?: string;
  debSource?: string;
  /** Paths in the unpacked source to copy into the run directory (files or directories), as
   * [from, to]; an absolute `from` is a file or directory of this machine. */
  copy: [string, string][];
  runner: 'unittest' | 'pytest';
  /** The pytest stand-in's options beyond --list-skips (--as-package). */
  runnerFlags?: string[];
  /** Directories of test data (run-directory paths) of which the sandbox gets only the files the
   * native run opened from Python (an audit hook: not what C opens, e.g. FreeType's fonts): a
   * run takes at most 1,000 files, and Pillow's Tests/images has 961. */
  onlyOpened?: string[];
  /** Runner arguments: test files (or dotted module names for unittest). */
  args: string[];
  /** Native sys.path entries beyond the layers (native builds of compiled libraries). */
  native?: () => string[];
  /** Tests expected to fail in the sandbox only, with the documented reason. */
  sandboxOnly?: Record<string, string>;
  /** Tests skipped in the sandbox only (a test skips itself when a module it needs is missing). */
  sandboxOnlySkips?: Record<string, string>;
  /** The suite imports numpy: natively the same numpy 1.26.4 (nativeNumpy) when built here. */
  needsNumpy?: boolean;
  /** Also run the files natively with real pytest (Debian's python3-pytest): its counts must
   * equal the stand-in's native counts, so the stand-in runs what pytest would. */
  pytestCheck?: boolean;
}

const PILLOW_TESTS = ['test_image.py', 'test_image_convert.py', 'test_image_filter.py', 'test_image_resample.py',
  'test_image_resize.py', 'test_image_rotate.py', 'test_image_transform.py', 'test_image_quantize.py', 'test_image_paste.py',
  'test_image_point.py', 'test_imagedraw.py', 'test_imageops.py', 'test_imagechops.py', 'test_imagemath.py',
  'test_imagemorph.py', 'test_imagepath.py', 'test_imagestat.py', 'test_imageenhance.py', 'test_file_png.py',
  'test_file_jpeg.py', 'test_file_gif.py', 'test_file_bmp.py'];

const SUITES: Suite[] = [
  { name: 'regex', archive: 'mrab-regex-2023.12.26.tar.gz', copy: [['regex_3/test_regex.py', 'test_regex.py']],
    runner: 'unittest', args: ['test_regex.py'], native: () => [nativeRegex().path] },
  // The tests find lxml's doc/ four directories above their files (common_imports.DOC_DIR).
  { name: 'lxml', archive: 'lxml-5.3.2.tar.gz', copy: [['src/lxml/tests', 'src/lxml/tests'], ['doc', 'doc']], runner: 'unittest',
    args: ['--path=src/lxml', ...['test_etree', 'test_elementtree', 'test_xpathevaluator', 'test_xslt', 'test_objectify',
      'test_htmlparser', 'test_unicode', 'test_io', 'test_dtd', 'test_xmlschema', 'test_relaxng', 'test_builder',
      'test_classlookup', 'test_errors', 'test_nsclasses', 'test_pyclasslookup', 'test_sax', 'test_elementpath',
      'test_schematron', 'test_incremental_xmlfile', 'test_doctestcompare'].map((m) => `tests.${m}`)],
    native: () => [nativeLxml().path],
    sandboxOnly: {
      // KNOWN BUG (open): lxml hands libxml2 a str holding characters beyond U+FFFF as UCS-4,
      // which this libxml2 (iconv from wasi-libc) does not decode: such a str fails to parse
      // (the same text as bytes parses).
      'tests.test_htmlparser.HtmlParserTestCase.test_wide_unicode_html': 'non-BMP str input (known bug)',
      'tests.test_unicode.UnicodeTestCase.test_emoji_html': 'non-BMP str input (known bug)',
      'tests.test_unicode.UnicodeTestCase.test_emoji_xml': 'non-BMP str input (known bug)',
      'tests.test_unicode.UnicodeTestCase.test_wide_unicode_xml': 'non-BMP str input (known bug)',
      // KNOWN BUG (open): UTF-32 bytes whose XML declaration names UTF-32 (without it they parse).
      'tests.test_unicode.EncodingsTestCase.test_utf32_fromstring': 'declared UTF-32 (known bug)',
      'tests.test_unicode.EncodingsTestCase.test_utf32LE_fromstring': 'declared UTF-32 (known bug)',
      'tests.test_unicode.EncodingsTestCase.test_utf32BE_fromstring': 'declared UTF-32 (known bug)',
      // As under codejail: the jail directory is read-only but for tmp/ (ADR 0010).
      'tests.test_etree.ETreeC14NTestCase.test_python3_problem_filebased_iterparse': 'writes test.xml into the jail directory',
      'tests.test_etree.ETreeC14NTestCase.test_python3_problem_filebased_parse': 'writes test.xml into the jail directory',
      // lxml.get_include() names a directory inside the runtime's zip: no C headers are shipped.
      'tests.test_etree.ETreeOnlyTestCase.test_include_paths': 'no C headers in the sandbox',
    } },
  { name: 'chem', archive: 'openedx-chem-2.0.0.tar.gz', copy: [['chem/tests/test_all.py', 'test_chem_all.py']],
    runner: 'unittest', args: ['test_chem_all.py'], needsNumpy: true, pytestCheck: true },
  { name: 'codejail-includes', archive: 'codejail-includes-2.0.0.tar.gz', copy: [['tests_eia.py', 'tests_eia.py']],
    runner: 'unittest', args: ['verifiers.tests_draganddrop', 'tests_eia.py'] },
  { name: 'openedx-calc', archive: 'openedx-calc-4.0.1.tar.gz', copy: [['tests', 'calctests']], runner: 'unittest',
    args: ['calctests/test_calc.py', 'calctests/test_formula.py', 'calctests/test_preview.py', 'calctests/test_symmath_check.py'],
    needsNumpy: true, pytestCheck: true },
  { name: 'pyparsing', archive: 'pyparsing-3.3.2.tar.gz', copy: [['tests/test_simple_unit.py', 'test_simple_unit.py']],
    runner: 'unittest', args: ['test_simple_unit.py'] },
  // test_util is a pytest module (parametrize, raises): the stand-in runs it in both places.
  { name: 'pyparsing test_util', archive: 'pyparsing-3.3.2.tar.gz', copy: [['tests/test_util.py', 'test_util.py']],
    runner: 'pytest', args: ['test_util.py'], pytestCheck: true },
  // The slice: core arithmetic, numbers, relations, trigsimp, the parser and str printing (what
  // course scripts use). test_solveset is left out: natively alone it runs over 4 minutes here.
  { name: 'sympy', archive: 'sympy-1.14.0.tar.gz', runner: 'pytest',
    copy: [['sympy/core/tests/test_arit.py', 'test_arit.py'], ['sympy/core/tests/test_numbers.py', 'test_numbers.py'],
      ['sympy/core/tests/test_relational.py', 'test_relational.py'], ['sympy/simplify/tests/test_trigsimp.py', 'test_trigsimp.py'],
      ['sympy/parsing/tests/test_sympy_parser.py', 'test_sympy_parser.py'], ['sympy/printing/tests/test_str.py', 'test_str.py']],
    args: ['test_arit.py', 'test_numbers.py', 'test_relational.py', 'test_trigsimp.py', 'test_sympy_parser.py', 'test_str.py'] },
  { name: 'mpmath', archive: 'mpmath-1.3.0.tar.gz', runner: 'pytest',
    copy: [['mpmath/tests/test_basic_ops.py', 'test_basic_ops.py'], ['mpmath/tests/test_functions.py', 'test_functions.py'],
      ['mpmath/tests/test_linalg.py', 'test_linalg.py']],
    args: ['test_basic_ops.py', 'test_functions.py', 'test_linalg.py'] },
  { name: 'networkx', archive: 'networkx-3.6.1.tar.gz', runner: 'pytest',
    copy: [['networkx/algorithms/shortest_paths/tests/test_generic.py', 'test_generic.py'],
      ['networkx/algorithms/shortest_paths/tests/test_weighted.py', 'test_weighted.py'],
      ['networkx/algorithms/tests/test_cycles.py', 'test_cycles.py'], ['networkx/algorithms/tests/test_dag.py', 'test_dag.py']],
    args: ['test_generic.py', 'test_weighted.py', 'test_cycles.py', 'test_dag.py'],
    sandboxOnlySkips: Object.fromEntries(['test_complete_graph', 'test_dimensionality', 'test_gh6787_variable_weighted_complete_graph',
      'test_petersen_graph'].map((t) => [`test_cycles::TestMinimumCycleBasis::${t}`, 'pytest.importorskip("scipy"): scipy is not in the image yet (#24)'])) },
  { name: 'python-dateutil', archive: 'python-dateutil-2.9.0.post0.tar.gz', runner: 'pytest',
    copy: [['tests/test_easter.py', 'test_easter.py'], ['tests/test_isoparser.py', 'test_isoparser.py']],
    args: ['test_easter.py', 'test_isoparser.py'] },
  // The image's Pillow (components/pillow.sh) against Debian's native Pillow, built from the same
  // source package: the core, drawing, filters, resampling, conversions and the PNG/JPEG/GIF/BMP
  // codecs. The tests import helper.py relatively (--as-package) and it imports packaging
  // (Debian's, copied into the run directory: not in the image). test_imagefont is left out: it
  // needs pytest's monkeypatch and marked fixture params, which the stand-in lacks (FreeType text
  // is compared with native by test/images/pillow.test.ts).
  { name: 'pillow', debSource: 'pillow=9.4.0-1.1+deb12u1', runner: 'pytest', runnerFlags: ['--as-package'],
    copy: [...['__init__.py', 'conftest.py', 'helper.py', 'images', 'fonts', ...PILLOW_TESTS].map((f): [string, string] => [`Tests/${f}`, `Tests/${f}`]),
      ['/usr/lib/python3/dist-packages/packaging', 'packaging']],
    args: PILLOW_TESTS.map((f) => `Tests/${f}`), onlyOpened: ['Tests/images'], pytestCheck: true,
    sandboxOnly: {
      // What components/pillow.sh does not build, natively present in Debian's Pillow.
      ...Object.fromEntries([0, 1, 2].map((i) => [`Tests.test_image_convert::test_rgb_lab[${i}]`, 'no LittleCMS (PIL._imagingcms not built)'])),
      'Tests.test_file_png::TestTruncatedPngPLeaks::test_leak_load': 'measures memory with the resource module, which WASI has not',
    },
    sandboxOnlySkips: {
      'Tests.test_image::TestImage::test_exif_webp': 'skip_unless_feature("webp"): not built',
      'Tests.test_image::TestImage::test_pathlib': 'skips at its JPEG 2000 step: not built',
      'Tests.test_image_resize::TestImageResize::test_load_first': 'skip_unless_feature("libtiff"): not built',
      'Tests.test_image_quantize::test_libimagequant_quantize': 'skip_unless_feature("libimagequant"): not built',
    } },
  { name: 'nltk', archive: 'nltk-3.8.1.tar.gz', runner: 'pytest',
    copy: [['nltk/test/unit/test_tokenize.py', 'test_tokenize.py'], ['nltk/test/unit/test_distance.py', 'test_distance.py'],
      ['nltk/test/unit/test_freqdist.py', 'test_freqdist.py'], ['nltk/test/unit/test_cfg2chomsky.py', 'test_cfg2chomsky.py']],
    args: ['test_tokenize.py', 'test_distance.py', 'test_freqdist.py', 'test_cfg2chomsky.py'],
    native: () => [nativeRegex().path] },
];

const enabled = process.env['CJW_LIB_SUITES'] === '1' && vendorDir() !== null;
let image: LayeredImage;
let jail: Jail;
let tmp: string;

function layerZips(): string[] {
  return image.layers.map((l) => join(defaultLayerDir(testRoot()), `${l.name}-${l.version}.zip`));
}

/** `apt-get source SPEC` into dir (Debian's patches applied): the unpacked tree. */
function debSourceTree(spec: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('apt-get', ['source', '-q', spec], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `apt-get source ${spec}: ${r.stderr.slice(-2000)}`);
  const trees = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
  assert.equal(trees.length, 1, `apt-get source ${spec} unpacked ${trees.join(', ')}`);
  return join(dir, trees[0]!);
}

/** The files of a run directory: the suite's test files and the runner. */
function runFiles(suite: Suite): Map<string, Buffer> {
  const src = suite.debSource ? debSourceTree(suite.debSource, join(tmp, suite.name)) : unpackVendored(suite.archive!, join(tmp, suite.name));
  const files = new Map<string, Buffer>();
  const add = (from: string, to: string) => {
    if (statSync(from).isDirectory()) {
      for (const f of readdirSync(from, { recursive: true }) as string[]) {
        const p = join(from, f);
        if (statSync(p).isFile() && !p.includes('__pycache__')) files.set(join(to, relative(from, p)), readFileSync(p));
      }
    } else {
      files.set(to, readFileSync(from));
    }
  };
  for (const [from, to] of suite.copy) add(isAbsolute(from) ? from : join(src, from), to);
  if (suite.runner === 'unittest') add(UNITTEST_RUNNER, 'suite_runner.py');
  else for (const f of PYTEST_FILES) add(join(PYTEST_DIR, f), f);
  return files;
}

const runnerScript = (suite: Suite): string => (suite.runner === 'unittest' ? 'suite_runner.py' : 'cj_numpy_tests.py');
const runnerArgv = (suite: Suite): string[] =>
  [runnerScript(suite), ...(suite.runner === 'pytest' ? ['--list-skips', ...(suite.runnerFlags ?? [])] : []), ...suite.args];
const lastJson = (out: string): Summary => JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Summary;
/** Every test the runner collected, whatever its outcome. */
const collected = (s: Summary): number => s.passed + s.failures.length + s.skipped + (s.xfailed ?? 0) + (s.xpassed ?? 0);

function writeRunDir(suite: Suite, files: Map<string, Buffer>, label: string): string {
  const dir = mkdtempSync(join(tmp, `${label}-${suite.name.replace(/\W/g, '_')}-`));
  for (const [p, data] of files) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), data);
  }
  return dir;
}

/** /usr/bin/python3 running `code` with the run directory, the image's layers (unpacked), the
 * suite's native builds and then Debian's dist-packages on sys.path; no site. */
function nativePython(suite: Suite, dir: string, code: string) {
  const numpy = suite.needsNumpy ? nativeNumpy() : null;
  const path = [dir, ...installedLayers(layerZips()), ...(suite.native?.() ?? []), ...(numpy ? [numpy] : []),
    '/usr/lib/python3/dist-packages'];
  return spawnSync('/usr/bin/python3', ['-I', '-S', '-B', '-c', `import sys\nsys.path[:0] = ${JSON.stringify(path)}\n${code}`], {
    cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 64 << 20,
  });
}

/** The runner natively: its summary, and the run-directory files it opened (an audit hook). */
function runNative(suite: Suite, files: Map<string, Buffer>): { summary: Summary; opened: Set<string> } {
  const dir = writeRunDir(suite, files, 'native');
  const log = join(tmp, `opened-${suite.name.replace(/\W/g, '_')}.json`);
  const r = nativePython(suite, dir, 'import atexit, json, os\nopened = set()\n' +
    'sys.addaudithook(lambda event, args: opened.add(os.path.relpath(os.path.abspath(args[0]))) if event == "open" and isinstance(args[0], str) else None)\n' +
    `atexit.register(lambda: json.dump(sorted(opened), open(${JSON.stringify(log)}, "w")))\n` +
    `import runpy\nsys.argv = ${JSON.stringify(runnerArgv(suite))}\n` +
    `runpy.run_path(${JSON.stringify(runnerScript(suite))}, run_name='__main__')\n`);
  assert.equal(r.status, 0, `native ${suite.name}: ${r.stderr.slice(-3000)}`);
  return { summary: lastJson(r.stdout), opened: new Set(JSON.parse(readFileSync(log, 'utf8')) as string[]) };
}

/** The suite's files run natively by real pytest (no stand-in in its directory): its counts. */
function runNativePytest(suite: Suite, files: Map<string, Buffer>): Record<string, number> {
  const only = new Map([...files].filter(([p]) => !PYTEST_FILES.includes(p)));
  const dir = writeRunDir(suite, only, 'pytest');
  const r = nativePython(suite, dir, `import pytest\nsys.exit(pytest.main(${JSON.stringify(['-q', '-p', 'no:cacheprovider', ...suite.args])}))\n`);
  assert.ok(r.status === 0 || r.status === 1, `pytest ${suite.name}: ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  const counts: Record<string, number> = {};
  for (const m of (r.stdout.trim().split('\n').at(-1) ?? '').matchAll(/(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)/g)) {
    counts[m[2]!.replace(/s$/, '')] = Number(m[1]);
  }
  return counts;
}

describe('the libraries\' own test suites in the sandbox vs natively', { skip: enabled ? false : 'set CJW_LIB_SUITES=1 (needs ../shared/vendor)' }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cj-lib-suites-'));
    image = loadImages(undefined, { root: testRoot(), only: [IMAGE] }).get(IMAGE)!;
    jail = await startJail({ workers: 1, image, outputLimitBytes: 32 << 20 });
  });
  after(async () => {
    await jail?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const suite of SUITES) {
    test(suite.name, async (t) => {
      const files = runFiles(suite);
      const { summary: native, opened } = runNative(suite, files);
      const inSandbox = [...files].filter(([p]) => !(suite.onlyOpened ?? []).some((d) => p.startsWith(`${d}/`)) || opened.has(p));
      const r = await jail.jailCode({
        command: 'python',
        code: `import runpy, sys\nsys.argv = ${JSON.stringify(runnerArgv(suite))}\nsys.path.insert(0, '')\n` +
          `runpy.run_path(${JSON.stringify(runnerScript(suite))}, run_name='__main__')\n`,
        files: inSandbox.map(([path, content]) => ({ path, content })),
        // FSIZE for the tests' temporary files: codejail's default 0 forbids writing any file (natively unlimited here).
        limits: { CPU: 3600, REALTIME: 7200, VMEM: 1 << 30, FSIZE: 1 << 26 },
      });
      assert.equal(r.status, 0, text(r.stderr).slice(-3000));
      const wasm = lastJson(text(r.stdout));
      const counts = (s: Summary) => JSON.stringify({ ...s, failures: s.failures.length, skips: s.skips.length });
      const numpy = suite.needsNumpy ? ` (native numpy: ${nativeNumpy() ?? 'Debian 1.24.2'})` : '';
      t.diagnostic(`${suite.name}: sandbox ${counts(wasm)}; native ${counts(native)}${numpy}`);
      const onlyHere = (mine: string[], theirs: string[]) => [...new Set(mine.filter((f) => !theirs.includes(f)))];
      const knownFail = suite.sandboxOnly ?? {};
      const knownSkip = suite.sandboxOnlySkips ?? {};
      for (const f of onlyHere(wasm.failures, native.failures)) t.diagnostic(`  sandbox-only failure ${f}: ${knownFail[f] ?? 'UNEXPLAINED'}`);
      for (const f of onlyHere(wasm.skips, native.skips)) t.diagnostic(`  sandbox-only skip ${f}: ${knownSkip[f] ?? 'UNEXPLAINED'}`);
      assert.deepEqual(onlyHere(wasm.failures, native.failures).filter((f) => !(f in knownFail)), [],
        `fail only in the sandbox:\n${text(r.stdout).slice(-3000)}\n${text(r.stderr).slice(-4000)}`);
      assert.deepEqual(onlyHere(wasm.skips, native.skips).filter((f) => !(f in knownSkip)), [], 'skipped only in the sandbox');
      assert.equal(collected(wasm), collected(native), 'the same tests ran');
      if (suite.pytestCheck) {
        const real = runNativePytest(suite, files);
        t.diagnostic(`${suite.name}: native real pytest ${JSON.stringify(real)}`);
        assert.deepEqual(real, Object.fromEntries(Object.entries({ passed: native.passed, failed: native.failed + (native.error ?? native.errors ?? 0),
          skipped: native.skipped, xfailed: native.xfailed ?? 0, xpassed: native.xpassed ?? 0 }).filter(([, n]) => n > 0)),
        'real pytest runs what the stand-in runs');
      }
    });
  }
});

