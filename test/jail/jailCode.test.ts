// jail_code against codejail's behaviour: the same request through the sandbox and through a
// codejail-style native run (src/legacy: /usr/bin/python3 -E -B in /tmp/codejail-XXXX) must give
// the same status, stdout and stderr, once the random jail directory name is normalised.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import type { JailCodeRequest } from '../../src/jail/types.js';
import { legacyJailCode } from '../../src/legacy/nativeCodejail.js';
import { startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 2 });
});
after(async () => {
  await jail.close();
});

const enc = new TextEncoder();
const norm = (s: string) => s.replace(/\/tmp\/codejail-[A-Za-z0-9_]{6,8}/g, '/tmp/codejail-XXXXXXXX');

async function same(req: JailCodeRequest): Promise<{ status: number; stdout: string; stderr: string }> {
  const ours = await jail.jailCode(req);
  const theirs = await legacyJailCode(req);
  const a = { status: ours.status, stdout: norm(text(ours.stdout)), stderr: norm(text(ours.stderr)) };
  const b = { status: theirs.status, stdout: norm(text(theirs.stdout)), stderr: norm(text(theirs.stderr)) };
  assert.deepEqual(a, b);
  return a;
}

test('support_jail_layout: cwd, argv, environment, tmp/ and interpreter flags match codejail', async () => {
  const r = await same({
    command: 'python',
    code: [
      'import os, sys',
      'print(os.getcwd().startswith("/tmp/codejail-"), sorted(os.listdir(".")), os.path.isdir("tmp"))',
      'print(sys.argv)',
      'print(sorted(os.environ.items()))',
      'print(sys.flags.ignore_environment, sys.flags.dont_write_bytecode, sys.path[0] == os.getcwd())',
      'print(__name__, __file__ == os.path.join(os.getcwd(), "jailed_code"))',
      'import tempfile; print(tempfile.gettempdir() == os.path.join(os.getcwd(), "tmp"))',
    ].join('\n'),
    argv: ['first', 'second arg'],
    limits: { FSIZE: 4096 }, // tempfile probes its directory by writing a few bytes
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^True \['jailed_code', 'tmp'\] True\n\['jailed_code', 'first', 'second arg'\]\n/);
});

test('support_stdin_and_files: stdin bytes, files in subdirectories and extra_files', async () => {
  await same({
    command: 'python',
    code: 'import sys\nsys.path.insert(0, "lib")\nimport helper\nprint(helper.VALUE, open("data.txt").read(), sys.stdin.read().upper())\n',
    files: [{ path: 'lib/helper.py', content: enc.encode('VALUE = 6 * 7\n') }],
    extraFiles: [{ name: 'data.txt', content: enc.encode('from extra_files') }],
    stdin: 'héllo stdin',
  });
});

test('support_uncaught_exception: status 1 and the same traceback text', async () => {
  const r = await same({ command: 'python', code: 'def f(x):\n    return 1 / x\n\nprint("out")\nf(0)\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^Traceback \(most recent call last\):\n  File "\/tmp\/codejail-XXXXXXXX\/jailed_code", line 5, in <module>\n/);
});

test('support_syntax_error: reported like the interpreter does, status 1', async () => {
  const r = await same({ command: 'python', code: 'x = (1,\ny = 2\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SyntaxError/);
});

test('support_exit_codes: sys.exit with ints, strings and None; os._exit', async () => {
  for (const code of ['import sys\nsys.exit(3)', 'import sys\nsys.exit("bye")', 'import sys\nsys.exit()', 'import sys\nsys.exit(-1)', 'import os\nprint("lost?")\nos._exit(5)', 'raise KeyboardInterrupt']) {
    await same({ command: 'python', code });
  }
});

test('support_unicode_output: UTF-8 stdio as under the coerced C locale', async () => {
  await same({ command: 'python', code: 'print("é ü 漢字 🙂")\nimport sys\nsys.stdout.buffer.write(b"\\xff\\xfe")\n' });
});

test('support_argv_only_module_run: xqueue-watcher style `-m grader_support.run ...` with no code', async () => {
  const r = await same({
    command: 'python',
    code: null,
    files: [
      { path: 'grader_support/__init__.py', content: enc.encode('') },
      { path: 'grader_support/run.py', content: enc.encode('import sys\nprint("grading", sys.argv[1:], __name__)\nimport submission\nprint(submission.answer())\n') },
      { path: 'submission.py', content: enc.encode('def answer():\n    return 42\n') },
    ],
    argv: ['-B', '-m', 'grader_support.run', 'grader.py', 'submission.py', '1234'],
  });
  assert.match(r.stdout, /^grading \['grader.py', 'submission.py', '1234'\] __main__\n42\n$/);
});

test('support_missing_script: a file named in argv that does not exist', async () => {
  // codejail's bin path differs (python vs /usr/bin/python3), so only the status and the tail are compared.
  const req: JailCodeRequest = { command: 'python', code: null, argv: ['nothere.py'] };
  const ours = await jail.jailCode(req);
  const theirs = await legacyJailCode(req);
  assert.equal(ours.status, theirs.status);
  const tail = (s: string) => norm(s).replace(/^\S+: /, '');
  assert.equal(tail(text(ours.stderr)), tail(text(theirs.stderr)));
});

test('an unconfigured command is refused with codejail\'s message', async () => {
  await assert.rejects(jail.jailCode({ command: 'node', code: 'x' }), /jail_code needs to be configured for 'node'/);
});

test('path traversal in files and extra_files names is refused', async () => {
  await assert.rejects(jail.jailCode({ command: 'python', code: 'x=1', files: [{ path: '../evil.py', content: enc.encode('') }] }), /files\[0\]\.path/);
  await assert.rejects(jail.jailCode({ command: 'python', code: 'x=1', extraFiles: [{ name: 'a/b', content: enc.encode('') }] }), /extra_files\[0\]\.name/);
  await assert.rejects(jail.jailCode({ command: 'python', code: 'x=1', files: [{ path: '/etc/x', content: enc.encode('') }] }), /files\[0\]\.path/);
});
