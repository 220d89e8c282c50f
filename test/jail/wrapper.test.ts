// The safe_exec wrapper is codejail's text; its stdin is what codejail's json.dumps writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildSafeExecStdin, buildSafeExecWrapper, pyJsonString } from '../../src/jail/wrapper.js';
import { pyBytesRepr, pyStrRepr } from '../../src/jail/pyrepr.js';

function py(code: string, input = ''): string {
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', code], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('exec(code, g_dict) is on line 19, one line later per python_path entry (codejail\'s shape)', () => {
  const lines = (pp: string[]) => buildSafeExecWrapper(pp).split('\n');
  assert.equal(lines([])[18], 'exec(code, g_dict)');
  assert.equal(lines(['/x/lib.zip'])[17], "sys.path.append('lib.zip')");
  assert.equal(lines(['/x/lib.zip'])[19], 'exec(code, g_dict)');
  assert.equal(lines(['a', 'b/c'])[20], 'exec(code, g_dict)');
});

test('stdin equals json.dumps([code, globals]) byte for byte, including non-ASCII and controls', () => {
  const samples = ['x = 1', 'print("é ü 漢字 🙂")\n\ty = "\\u0001"\u007f', 'q = "\ud800"'];
  for (const code of samples) {
    const expected = py('import json, sys\nsys.stdout.write(json.dumps([json.loads(sys.stdin.read()), {"a": 1}]))', JSON.stringify(code));
    assert.equal(buildSafeExecStdin(code, '{"a": 1}'), expected);
    assert.equal(pyJsonString(code), expected.slice(1, expected.lastIndexOf(', {')));
  }
});

test('pyBytesRepr and pyStrRepr match CPython repr()', () => {
  const bytes = [Buffer.from("it's"), Buffer.from('say "hi"'), Buffer.from('both \' and "'), Buffer.from([0, 9, 10, 13, 92, 127, 128, 255, 65])];
  for (const b of bytes) {
    assert.equal(pyBytesRepr(b), py(`import sys\nsys.stdout.write(repr(bytes.fromhex("${b.toString('hex')}")))`));
  }
  for (const s of ['lib.zip', "it's", 'tab\there', 'é漢🙂', '\u200b zero width', 'a\\b']) {
    assert.equal(pyStrRepr(s), py(`import sys, json\nsys.stdout.write(repr(json.loads(sys.stdin.read())))`, JSON.stringify(s)));
  }
});
