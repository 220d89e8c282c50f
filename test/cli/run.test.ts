// `codejail-wasm run`: the script's bytes, arguments, stdin and exit status pass through.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { splitRunArgs } from '../../src/cli/run.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function cli(args: string[], input = ''): { status: number | null; stdout: string; stderr: string; stdoutBytes: Buffer } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

const dir = mkdtempSync(join(tmpdir(), 'cjw-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('codejail-wasm run', () => {
  it('passes argv, stdin, stdout, stderr and the exit status through', () => {
    const p = script('echo_args.py', [
      'import sys',
      'print("argv", sys.argv)',
      'data = sys.stdin.read()',
      'sys.stdout.write(data.upper())',
      'sys.stderr.write("to stderr\\n")',
      'sys.exit(3)',
    ].join('\n'));
    const r = cli(['run', p, '-x', '--flag', 'value'], 'piped input\n');
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, "argv ['echo_args.py', '-x', '--flag', 'value']\nPIPED INPUT\n");
    assert.equal(r.stderr, 'to stderr\n');
  });

  it('writes binary output unchanged', () => {
    const p = script('bytes_out.py', 'import sys\nsys.stdout.buffer.write(bytes(range(256)))\n');
    const r = cli(['run', p]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([...r.stdoutBytes], [...Array(256).keys()]);
  });

  it('shows the script under its own name in tracebacks and exits 1 on an uncaught exception', () => {
    const p = script('boom.py', 'def f():\n    return 1 / 0\nf()\n');
    const r = cli(['run', p]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /File "\/tmp\/codejail-[a-z0-9_]+\/boom\.py", line 3, in <module>/);
    assert.match(r.stderr, /ZeroDivisionError: division by zero\n$/);
  });

  it('exits 128+SIGXCPU and names the limit when the CPU budget runs out', () => {
    const p = script('spin.py', 'while True:\n    pass\n');
    const r = cli(['run', '--cpu', '0.2', '--realtime', '30', p]);
    assert.equal(r.status, 128 + 24);
    assert.match(r.stderr, /killed by SIGXCPU: CPU time limit/);
  });

  it('applies --fsize (codejail FSIZE 0: no file may be written by default)', () => {
    const p = script('write.py', 'f = open("tmp/out.txt", "w")\nf.write("x" * 100)\nf.close()\nprint("wrote")\n');
    const denied = cli(['run', p]);
    assert.notEqual(denied.status, 0);
    const allowed = cli(['run', '--fsize', '1k', p]);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal(allowed.stdout, 'wrote\n');
  });

  it('reports usage errors with status 2', () => {
    assert.equal(cli(['run']).status, 2);
    assert.equal(cli(['run', '--cpu', 'lots', 'x.py']).status, 2);
    assert.equal(cli(['frobnicate']).status, 2);
    const missing = cli(['run', join(dir, 'nope.py')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /can't open file/);
  });

  it('keeps options after the script name for the script', () => {
    assert.deepEqual(splitRunArgs(['--cpu', '2', 's.py', '--cpu', '3']), { ours: ['--cpu', '2'], script: 's.py', scriptArgs: ['--cpu', '3'] });
    assert.deepEqual(splitRunArgs(['--seed=4', '--', '-weird.py', 'a']), { ours: ['--seed=4'], script: '-weird.py', scriptArgs: ['a'] });
  });

  it('prints non-ASCII text like python does (UTF-8 stdio, as native CPython in the C locale)', () => {
    const p = script('hello_unicode.py', 'print("h\u00e9llo \u03c0")\n');
    const r = cli(['run', p]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'h\u00e9llo \u03c0\n');
  });
});
