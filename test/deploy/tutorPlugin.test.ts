// The Tutor plugin's Python unittest suite, run by this test runner with Debian's python3
// (PyYAML and Jinja2 from Debian render and parse the plugin's templates).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

test('Tutor plugin: hooks, settings patches and rendered templates (unittest)', () => {
  const r = spawnSync('/usr/bin/python3', ['-B', '-m', 'unittest', 'discover', '-s', 'test/deploy', '-p', 'test_*.py', '-v'], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  assert.doesNotMatch(output, /skipped/, 'python3-yaml and python3-jinja2 must be installed (see .ci/run)');
});
