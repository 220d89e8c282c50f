// The pieces of `compare` that need no interpreter: XML, tar, JSON text, diffs, OLX extraction.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { payloadCases, readTree } from '../../src/compare/cases.js';
import { globalsDiff, unifiedDiff } from '../../src/compare/diff.js';
import { platformNotes } from '../../src/compare/platformNotes.js';
import { pyReprOfJson, splitTopLevel } from '../../src/compare/jsontext.js';
import { contextualizeText, courseCases, loadCourse, problemsFromFiles } from '../../src/compare/olx.js';
import { normalise, type SideResult } from '../../src/compare/runners.js';
import { Header } from 'tar';
import { readTarGz } from '../../src/compare/tar.js';
import { parseXml, textContent, findAll } from '../../src/compare/xml.js';

export const COURSES = fileURLToPath(new URL('../../../fixtures/courses/', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'cjw-units-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function side(over: Partial<SideResult>): SideResult {
  return { ok: true, status: 0, globals: '{}', stdout: '{}', stderr: '', emsg: null, exception: null, wallMs: 1, ...over };
}

describe('xml', () => {
  it('reads attributes, entities, CDATA and script text', () => {
    const el = parseXml(`<?xml version="1.0"?>
<!-- a comment -->
<problem display_name="A &amp; B">
  <script type="loncapa/python">if x &lt; 3 and y &gt; 1:
    z = "&#937;"</script>
  <script type="loncapa/python"><![CDATA[w = a < b]]></script>
  <customresponse cfn="check" expect="$ans"><textline correct_answer='1 &lt; 2'/></customresponse>
</problem>`);
    assert.equal(el.name, 'problem');
    assert.equal(el.attrs.display_name, 'A & B');
    const scripts = findAll(el, 'script').map(textContent);
    assert.deepEqual(scripts, ['if x < 3 and y > 1:\n    z = "\u03a9"', 'w = a < b']);
    assert.equal(findAll(el, 'textline')[0]!.attrs.correct_answer, '1 < 2');
  });
  it('rejects unbalanced documents', () => {
    assert.throws(() => parseXml('<a><b></a'), /XmlError|unterminated|unclosed/);
    assert.throws(() => parseXml('<a>'), /unclosed/);
  });
  it('rejects what is not XML (a bare < in a script, an undefined entity); reads &nbsp; as HTML does', () => {
    assert.throws(() => parseXml('<problem><script type="loncapa/python">ok = 1 < 2</script></problem>'), /XmlError/);
    assert.throws(() => parseXml('<problem>&bogus;</problem>'), /undefined entity/);
    assert.equal(textContent(parseXml('<p>a&nbsp;b</p>')), 'a\u00a0b');
  });
});

describe('tar', () => {
  it('reads what tar(1) writes in each format, long names included, gzipped or not', (t) => {
    const long = 'course/' + 'x'.repeat(120) + '/problem.xml';
    const dir = join(tmp, 'tarsrc');
    mkdirSync(join(dir, 'course', 'x'.repeat(120)), { recursive: true });
    writeFileSync(join(dir, long), '<problem/>');
    writeFileSync(join(dir, 'a.txt'), 'hello');
    writeFileSync(join(dir, 'empty'), '');
    for (const [format, flags] of [['gnu', 'cf'], ['pax', 'czf'], ['ustar', 'czf']] as const) {
      const archive = join(tmp, `t-${format}.tar`);
      const r = spawnSync('tar', [flags, archive, `--format=${format}`, '-C', dir, 'a.txt', 'empty', long]);
      if (r.error || r.status !== 0) { t.skip(`tar(1) cannot write ${format}: ${r.stderr}`); return; }
      const back = readTarGz(readFileSync(archive));
      assert.deepEqual([...back.keys()].sort(), ['a.txt', long, 'empty'].sort(), format);
      assert.equal(Buffer.from(back.get(long)!).toString(), '<problem/>', format);
      assert.equal(back.get('empty')!.length, 0, format);
    }
  });
  it('reads a GNU tar .tar.gz of a course like the directory itself', async (t) => {
    const archive = join(tmp, 'physics101.tar.gz');
    const r = spawnSync('tar', ['czf', archive, '-C', COURSES, 'physics101']);
    if (r.error || r.status !== 0) { t.skip('tar(1) is not available'); return; }
    const fromTar = readTarGz(readFileSync(archive));
    const fromDir = await readTree(join(COURSES, 'physics101'));
    assert.deepEqual([...fromTar.keys()].map((k) => k.replace(/^physics101\//, '')).sort(), [...fromDir.keys()].sort());
    const viaTar = (await loadCourse(archive)).problems.map((p) => p.location);
    const viaDir = (await loadCourse(join(COURSES, 'physics101'))).problems.map((p) => p.location);
    assert.deepEqual(viaTar, viaDir);
  });
  it('refuses members that escape the archive, damaged archives and archive bombs', () => {
    const member = (path: string, data: string): Buffer => {
      const h = new Header({ path, mode: 0o644, size: Buffer.byteLength(data), type: 'File', mtime: new Date(0) });
      h.encode();
      const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
      body.write(data);
      return Buffer.concat([h.block!, body]);
    };
    const archive = (...members: Buffer[]) => Buffer.concat([...members, Buffer.alloc(1024)]);
    assert.equal(Buffer.from(readTarGz(archive(member('ok.py', 'x'))).get('ok.py')!).toString(), 'x');
    assert.throws(() => readTarGz(archive(member('../evil.py', 'x'))), /unsafe member path '\.\.\/evil\.py'/);
    const damaged = archive(member('ok.py', 'x'));
    damaged[148] = 0x31; // checksum
    assert.throws(() => readTarGz(damaged), /TarError/);
    assert.throws(() => readTarGz(archive(member('a', 'x'), member('b', 'y')), { maxFiles: 1, maxTotalBytes: 100 }), /more than 1 files/);
    assert.throws(() => readTarGz(gzipSync(archive(member('big', 'x'.repeat(1000)))), { maxFiles: 10, maxTotalBytes: 100 }), /more than 100 bytes/);
  });
});

describe('globals JSON text', () => {
  it('splits top-level keys without losing big ints or float spelling', () => {
    const t = '{"big": 9223372036854775807, "f": 2.0, "s": "a, \\"b\\"}", "l": [1, {"x": [2]}], "n": null}';
    assert.deepEqual(splitTopLevel(t), [['big', '9223372036854775807'], ['f', '2.0'], ['s', '"a, \\"b\\"}"'], ['l', '[1,{"x":[2]}]'], ['n', 'null']]);
    assert.equal(pyReprOfJson('[1, "a\'b", true, null, {"k": 2.5}]'), `[1, "a'b", True, None, {'k': 2.5}]`);
  });
  it("substitutes $names like capa's contextualize_text (longest first, str() of values)", () => {
    const g = '{"a": 1, "ab": "X", "f": 2.0, "l": [1, "two"]}';
    assert.equal(contextualizeText('$ab/$a/$f/$l/$missing', g), "X/1/2.0/[1, 'two']/$missing");
  });
});

describe('diffs and platform notes', () => {
  it('makes a unified diff with hunks', () => {
    const d = unifiedDiff('a\nb\nc\nd', 'a\nB\nc\nd\ne', 'left', 'right');
    assert.equal(d, '--- left\n+++ right\n@@ -1,4 +1,5 @@\n a\n-b\n+B\n c\n d\n+e');
    assert.equal(unifiedDiff('same', 'same', 'l', 'r'), '');
  });
  it('splits and joins hunks as GNU diff -u does', () => {
    const lines = (...changed: [number, string][]) => {
      const l = Array.from({ length: 15 }, (_, i) => String(i + 1));
      for (const [n, t] of changed) l[n - 1] = t;
      return l.join('\n');
    };
    // Expected texts: `diff -u --label left --label right` (GNU diffutils) on the same lines.
    assert.equal(unifiedDiff(lines(), lines([2, 'X'], [14, 'Y']), 'left', 'right'),
      '--- left\n+++ right\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n+Y\n 15');
    assert.equal(unifiedDiff(lines(), lines([2, 'X'], [9, 'Y']), 'left', 'right'),
      '--- left\n+++ right\n@@ -1,12 +1,12 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+Y\n 10\n 11\n 12');
  });
  it('shows texts too far apart to diff cheaply as one block replaced', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
    const d = unifiedDiff(a.join('\n'), b.join('\n'), 'l', 'r').split('\n');
    assert.deepEqual(d.slice(0, 3), ['--- l', '+++ r', '@@ -1,3000 +1,3000 @@']);
    assert.deepEqual(d.slice(3), [...a.map((l) => `-${l}`), ...b.map((l) => `+${l}`)]);
  });
  it('diffs globals key by key', () => {
    assert.equal(globalsDiff('{"a": 1, "b": 2}', '{"a": 1, "b": 3, "c": 4}'), '--- legacy globals\n+++ wasm globals\n-"b": 2\n+"b": 3\n+"c": 4');
  });
  it('normalises jail directory names', () => {
    assert.equal(normalise('File "/tmp/codejail-ab_12X/jailed_code" and /tmp/codejail-zz9'), 'File "/tmp/codejail-XXXXXXXX/jailed_code" and /tmp/codejail-XXXXXXXX');
  });
  it('names known platform differences', () => {
    const ids = (code: string, l: Partial<SideResult>, w: Partial<SideResult>): string[] => platformNotes(code, side(l), side(w)).map((n) => n.id);
    assert.deepEqual(ids('import sys\nm = sys.maxsize', { globals: '{"m": 9223372036854775807}' }, { globals: '{"m": 2147483647}' }), ['maxsize']);
    assert.deepEqual(ids('h = hash("x")', {}, {}), ['hash']);
    assert.ok(ids("open('x')", { stderr: "[Errno 2] No such file" }, { stderr: "[Errno 44] No such file" }).includes('errno'));
    assert.ok(ids('import os\nv = os.environ.get("LC_CTYPE")', {}, {}).includes('environ'));
    assert.deepEqual(ids('import numpy', { stderr: '' }, { stderr: "ModuleNotFoundError: No module named 'numpy'" }), ['module:numpy']);
    assert.deepEqual(ids('import numpy as np\nv = int(np.sum(np.full(3, 2**30)))', { globals: '{"v": 3221225472}' }, { globals: '{"v": -1073741824}' }), ['numpy-int32']);
    assert.deepEqual(ids('x = 1', {}, {}), []);
  });
});

describe('OLX extraction', () => {
  it('finds the 12 fixture problems and their check functions', async () => {
    let problems = 0;
    let checks = 0;
    for (const course of ['physics101', 'math201', 'cs105']) {
      const { problems: ps, warnings } = await loadCourse(join(COURSES, course));
      assert.deepEqual(warnings, []);
      problems += ps.length;
      checks += ps.reduce((n, p) => n + p.checks.length, 0);
      for (const p of ps) assert.match(p.scriptCode, /^import .*\brandom\b/m, p.location);
    }
    assert.equal(problems, 12);
    assert.equal(checks, 12);
    const math = (await loadCourse(join(COURSES, 'math201'))).problems.map((p) => p.location);
    assert.ok(math.includes('vertical/fractions_unit.xml#gcd_inline'), 'inline problem in a vertical');
  });
  it('builds check calls the way capa makes them', () => {
    const files = new Map([['course.xml', Buffer.from('<course/>')], ['problem/p.xml', Buffer.from(
      '<problem><script type="loncapa/python">v = 7\ndef chk(e, a):\n    return e == a\n</script>' +
      '<customresponse cfn="chk" expect="$v"><textline/></customresponse>' +
      '<customresponse cfn="chk"><textline/></customresponse><script type="text/javascript">x</script></problem>')]]);
    const { problems } = problemsFromFiles(files);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.checks.length, 1);
    assert.match(problems[0]!.skipped[0]!, /no sample answer/);
    const [script, check] = courseCases('c', problems);
    assert.equal(script!.globalsFor(5, null), '{"seed":5,"anonymous_student_id":"codejail-wasm-compare"}');
    assert.equal(check!.code, 'v = 7\ndef chk(e, a):\n    return e == a\n\ncfn_return = chk(expect, ans)\n');
    assert.equal(check!.globalsFor(5, '{"seed": 5, "v": 7}'), '{"expect":"7","ans":"7"}');
    assert.equal(check!.globalsFor(5, null), null);
  });
});

describe('payload files', () => {
  it('reads payloads and rejects malformed ones', () => {
    const cases = payloadCases('p.json', JSON.stringify([
      { name: 'a', code: 'x = 1', globals_dict: { y: 2 }, seeds: [4], python_path: ['lib'], files: [{ path: 'lib/m.py', content: 'z = 1' }] },
    ]), false);
    assert.equal(cases[0]!.id, 'p.json:a');
    assert.equal(cases[0]!.globalsFor(1, null), '{"y":2}');
    assert.deepEqual(cases[0]!.seeds, [4]);
    assert.throws(() => payloadCases('p.json', '[{"name": "a"}]', false), /code/);
    assert.throws(() => payloadCases('p.json', '{}', false), /array/);
  });
});
