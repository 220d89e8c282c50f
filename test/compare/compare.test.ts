// `codejail-wasm compare` end to end: fixtures compare identical, divergent payloads are caught,
// the reports are written, course archives are read.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CompareReport } from '../../src/compare/compare.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const COURSES = fileURLToPath(new URL('../../../fixtures/courses/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cjw-compare-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI. Both sides get wall-clock and CPU limits far above what any fixture needs: on a
 * loaded machine the native interpreter alone can take seconds to start, and the default REALTIME
 * (3 s) kills it; its CPU seconds count the start too (importing numpy natively takes 0.6 s of
 * user+sys at load 18 on the 2-core test machine), so the default CPU limit (1 s) can kill a native
 * numpy check with SIGXCPU, turning 'wasm-only-failed' into 'different'. No fixture tests a limit. */
function compare(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'compare', '--quiet', '--realtime', '30', '--cpu', '10', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const readReport = (p: string): CompareReport => JSON.parse(readFileSync(p, 'utf8')) as CompareReport;

describe('codejail-wasm compare', () => {
  it('finds the fixture courses identical on both sides, and writes JSON and HTML reports', () => {
    const json = join(tmp, 'courses.json');
    const html = join(tmp, 'courses.html');
    const r = compare(['--course', join(COURSES, 'physics101'), '--course', join(COURSES, 'math201'), '--course', join(COURSES, 'cs105'),
      '--seeds', '1,2,3', '--json', json, '--html', html]);
    const report = readReport(json);
    assert.equal(report.cases.length, 24); // 12 problem scripts + 12 check calls
    // The numpy check touches capa's lazy `numpy`: identical when both sides have numpy or both
    // lack it; when only one side has it, that is a real gap and must be reported as such.
    const numpyId = 'physics101:problem/vector_norm.xml → check_norm()';
    const nativeNumpy = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
    const numpy = report.cases.find((c) => c.id === numpyId)!;
    const wasmNumpy = numpy.seeds[0]!.wasm!.exception !== "ModuleNotFoundError: No module named 'numpy'";
    for (const c of report.cases) {
      assert.deepEqual(c.seeds.map((s) => s.seed), [1, 2, 3]);
      if (c.id === numpyId) continue;
      assert.equal(c.verdict, 'identical', `${c.id}\n${c.seeds.map((s) => s.diff).join('\n')}`);
    }
    if (nativeNumpy === wasmNumpy) {
      assert.equal(numpy.verdict, 'identical', numpy.seeds[0]!.diff);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(report.summary, { total: 24, identical: 24, different: 0, legacyOnlyFailed: 0, wasmOnlyFailed: 0, errors: 0, skipped: 0, withPlatformNotes: 0 });
      assert.match(r.stdout, /24 cases: 24 identical/);
    } else {
      assert.equal(numpy.verdict, nativeNumpy ? 'wasm-only-failed' : 'legacy-only-failed',
        numpy.seeds.map((s) => `seed ${s.seed}: legacy status ${s.legacy?.status} ${s.legacy?.stderr ?? ''}\nwasm status ${s.wasm?.status}`).join('\n'));
      assert.deepEqual(numpy.notes.map((n) => n.id), ['module:numpy']);
      assert.equal(r.status, 1);
    }
    if (!nativeNumpy) assert.equal(numpy.seeds[0]!.legacy!.exception, "ModuleNotFoundError: No module named 'numpy'");
    // The check calls really ran: the correct sample answers are accepted.
    const ohm = report.cases.find((c) => c.id === 'physics101:problem/ohms_law.xml → check_current()')!;
    assert.match(ohm.seeds[0]!.legacy!.globals!, /"cfn_return": \{"ok": true/);
    // Different seeds give different problems.
    const quad = report.cases.find((c) => c.id === 'math201:problem/quadratic.xml')!;
    assert.equal(new Set(quad.seeds.map((s) => s.legacy!.globals)).size, 3);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/);
    assert.ok(!/<link|<script|src=/.test(page), 'self-contained: no external assets or scripts');
    for (const c of report.cases) assert.ok(page.includes(c.id.replace(/&/g, '&amp;')), c.id);
  });

  it('reads a .tar.gz course export built at test time', (t) => {
    const archive = join(tmp, 'cs105.tar.gz');
    const tar = spawnSync('tar', ['czf', archive, '-C', COURSES, 'cs105']);
    if (tar.error || tar.status !== 0) { t.skip('tar(1) is not available'); return; }
    const json = join(tmp, 'tar.json');
    const r = compare(['--course', archive, '--seeds', '5', '--json', json]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const report = readReport(json);
    assert.deepEqual(report.cases.map((c) => c.id), [
      'cs105.tar.gz:problem/caesar.xml', 'cs105.tar.gz:problem/caesar.xml → check_plain()',
      'cs105.tar.gz:problem/regex_dates.xml', 'cs105.tar.gz:problem/regex_dates.xml → check_weekday()',
      'cs105.tar.gz:problem/reverse_word.xml', 'cs105.tar.gz:problem/reverse_word.xml → check_reverse()',
      'cs105.tar.gz:problem/word_count.xml', 'cs105.tar.gz:problem/word_count.xml → check_count()',
    ]);
    assert.ok(report.cases.every((c) => c.verdict === 'identical'));
  });

  it('detects divergent payloads, flags the known platform differences and exits 1', () => {
    const payloads = join(tmp, 'divergent.json');
    writeFileSync(payloads, JSON.stringify([
      { name: 'maxsize', code: 'import sys\nbig = sys.maxsize' },
      { name: 'pointer', code: 'import struct\npointer_size = struct.calcsize("P")' },
      { name: 'enoent', code: 'try:\n    open("missing.txt")\nexcept OSError as e:\n    err = str(e)' },
      { name: 'same', code: 'x = sorted(globals_in)\ny = [i * i for i in range(4)]', globals_dict: { globals_in: [3, 1, 2] } },
      { name: 'fails-same', code: 'raise ValueError("nope")' },
    ]));
    const script = join(tmp, 'platform_exit.py');
    writeFileSync(script, 'import sys\nif sys.platform != "linux":\n    raise SystemExit(4)\nok = True\n');
    const json = join(tmp, 'div.json');
    const html = join(tmp, 'div.html');
    const r = compare([payloads, script, '--seeds', '1,2', '--json', json, '--html', html]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const report = readReport(json);
    const byName = new Map(report.cases.map((c) => [c.id.replace(/^.*[:/]/, ''), c]));
    assert.equal(byName.get('maxsize')!.verdict, 'different');
    assert.deepEqual(byName.get('maxsize')!.notes.map((n) => n.id), ['maxsize']);
    assert.match(byName.get('maxsize')!.seeds[0]!.diff, /-"big": 9223372036854775807\n\+"big": 2147483647/);
    assert.equal(byName.get('pointer')!.verdict, 'different');
    assert.deepEqual(byName.get('pointer')!.notes.map((n) => n.id), ['sizes']);
    assert.match(byName.get('pointer')!.seeds[0]!.diff, /-"pointer_size": 8\n\+"pointer_size": 4/);
    // errno numbers: WASI's own numbering (ENOENT 44) unless the sandbox maps them to Linux's.
    const enoent = byName.get('enoent')!;
    if (enoent.verdict !== 'identical') assert.ok(enoent.notes.some((n) => n.id === 'errno'), JSON.stringify(enoent.notes));
    assert.equal(byName.get('same')!.verdict, 'identical');
    assert.equal(byName.get('fails-same')!.verdict, 'identical');
    assert.equal(byName.get('fails-same')!.seeds[0]!.legacy!.exception, 'ValueError: nope');
    const exit = byName.get('platform_exit.py')!;
    assert.equal(exit.verdict, 'wasm-only-failed');
    assert.ok(exit.notes.some((n) => n.id === 'platform'));
    assert.match(exit.seeds[0]!.diff, /status: legacy 0, wasm 4/);
    assert.match(r.stdout, /DIFFERENT\s+\S*maxsize/);
    assert.match(r.stdout, /WASM ONLY FAILED/);
    const page = readFileSync(html, 'utf8');
    assert.ok(page.includes('v-different') && page.includes('maxsize') && page.includes('9223372036854775807'));
  });

  it('compares scripts containing non-ASCII text identically', () => {
    // Found by this tool: the sandbox used to decode safe_exec's stdin as ASCII (no UTF-8 mode).
    const payloads = join(tmp, 'unicode.json');
    writeFileSync(payloads, JSON.stringify([{ name: 'ohm', code: 'msg = "R = 5 \u03a9"\nout = "%s \u00b0C" % 20' }]));
    const r = compare([payloads, '--seeds', '1']);
    assert.equal(r.status, 0, r.stdout);
  });

  it('rejects bad usage with status 2', () => {
    assert.equal(compare([]).status, 2);
    assert.equal(compare([join(tmp, 'does-not-exist')]).status, 2);
    assert.equal(compare(['--seeds', 'a,b', join(COURSES, 'cs105')]).status, 2);
  });
});
