// The safe_exec wrapper is codejail's text; its stdin is what codejail's json.dumps writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { buildSafeExecStdin, buildSafeExecWrapper, pyJsonAsciiString } from '../../src/jail/wrapper.js';
import { pyBytesRepr, pyStrRepr } from '../../src/jail/pyrepr.js';
import { PEER_SUITES } from '../peer/suites.js';

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

const PYTHON_PATHS: string[][] = [[], ['python_lib.zip'], ['/x/y/lib dir', "it's.zip", 'a/b/c']];

test('the service and pyclient build the same program from the one source (codejail_wasm/wrapper.py)', () => {
  const script = 'import json, sys\nfrom codejail_wasm.wrapper import safe_exec_program\n' +
    'sys.stdout.write(json.dumps([safe_exec_program(p) for p in json.loads(sys.stdin.read())]))';
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(join(repoRoot(), 'pyclient'))})\n${script}`],
    { input: JSON.stringify(PYTHON_PATHS), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), PYTHON_PATHS.map((p) => buildSafeExecWrapper(p)));
});

test("the program is real codejail 4.1.1's, byte for byte (its safe_exec, from the peer-suite release)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cj-real-'));
  try {
    const tar = spawnSync('tar', ['xzf', join(PEER_SUITES, 'codejail-4.1.1.tar.gz'), '-C', dir]);
    assert.equal(tar.status, 0, String(tar.stderr));
    // Capture what the real safe_exec hands to jail_code, for each python_path.
    const capture = `import json, sys
sys.path.insert(0, ${JSON.stringify(join(dir, 'codejail-4.1.1'))})
from unittest import mock
from codejail import safe_exec as se, jail_code
out = []
def fake(command, code=None, stdin=None, **kw):
    out.append([code, stdin])
    r = jail_code.JailResult(); r.status = 0; r.stdout = b"{}"; r.stderr = b""
    return r
with mock.patch.object(jail_code, "jail_code", fake), mock.patch.object(jail_code, "is_configured", lambda c: True):
    for p in json.loads(sys.stdin.read()):
        se.safe_exec("x = 'é'", {"a": 1, "b": [2.5, None]}, python_path=p)
sys.stdout.write(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', capture], { input: JSON.stringify(PYTHON_PATHS), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const real = JSON.parse(r.stdout) as [string, string][];
    PYTHON_PATHS.forEach((p, i) => {
      assert.equal(buildSafeExecWrapper(p), real[i]![0]);
      assert.equal(buildSafeExecStdin("x = 'é'", '{"a": 1, "b": [2.5, null]}'), real[i]![1]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stdin equals json.dumps([code, globals]) byte for byte, including non-ASCII and controls', () => {
  const samples = ['x = 1', 'print("é ü 漢字 🙂")\n\ty = "\\u0001"\u007f', 'q = "\ud800"'];
  for (const code of samples) {
    const expected = py('import json, sys\nsys.stdout.write(json.dumps([json.loads(sys.stdin.read()), {"a": 1}]))', JSON.stringify(code));
    assert.equal(buildSafeExecStdin(code, '{"a": 1}'), expected);
    assert.equal(pyJsonAsciiString(code), expected.slice(1, expected.lastIndexOf(', {')));
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
