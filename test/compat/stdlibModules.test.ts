// Which modules of the standard library content can import: every module that imports natively
// imports in the sandbox, but for the ones docs/security.md lists as absent; and each of those is
// absent (ModuleNotFoundError), so the list stays exact. Natively, a module of a Debian package
// that is not installed (python3-tk's _tkinter, python3-distutils, python3-lib2to3) fails to
// import and is not compared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Jail } from '../../src/jail/jail.js';
import { loadImage } from '../../src/runtime/layeredImages.js';
import { testRoot } from '../images/helpers.js';
import { nativePython, runCode, startJail, text } from '../support/jail.js';

const PROBE = readFileSync(fileURLToPath(new URL('../../../test/compat/stdlib_modules.py', import.meta.url)), 'utf8');

/** docs/security.md's list, in the same groups. */
const ABSENT = [
  // No processes, terminals, users, C libraries or sockets' TLS in WASI; nothing to build them on.
  '_ctypes', 'ctypes', '_posixsubprocess', '_posixshmem', 'fcntl', 'resource', 'termios', 'pty', 'tty',
  'pwd', 'grp', 'spwd', 'nis', 'syslog', 'readline', '_curses', '_curses_panel', 'curses', 'ossaudiodev',
  '_ssl', 'ssl', '_hashlib', '_uuid', '_sqlite3', 'sqlite3', '_dbm', '_tkinter',
  // Left out of the runtime's stdlib zip (python-wasm/scripts/mkstdlib.py): tools for other platforms,
  // installers, and modules that need what is absent above.
  '_aix_support', '_osx_support', '_bootsubprocess', 'dbm', 'distutils', 'ensurepip', 'venv', 'lib2to3',
  'pydoc_data', 'webbrowser',
];

let jail: Jail;
before(async () => { jail = await startJail({ workers: 1, image: loadImage(undefined, undefined, { root: testRoot() }) }); });
after(async () => { await jail.close(); });

test('support_stdlib: every standard module imports as natively, but for the documented absent ones, which are absent', async () => {
  const native = nativePython(PROBE);
  assert.equal(native.status, 0, native.stderr);
  const nativeResult = JSON.parse(native.stdout) as Record<string, string>;
  const r = await runCode(jail, PROBE, { CPU: 30, REALTIME: 60 });
  assert.equal(r.status, 0, text(r.stderr));
  const sandbox = JSON.parse(text(r.stdout)) as Record<string, string>;
  assert.deepEqual(Object.keys(sandbox), Object.keys(nativeResult), 'the same interpreter version: the same module names');
  const differing = Object.keys(nativeResult).filter((m) => nativeResult[m] === 'ok' && sandbox[m] !== 'ok');
  assert.deepEqual(differing.filter((m) => !ABSENT.includes(m)), [], 'imports natively, fails here, and is not documented');
  for (const m of ABSENT) assert.equal(sandbox[m], 'ModuleNotFoundError', `${m} is documented absent`);
});
