// The pytest stand-in (python-wasm/numpy/testsuite: real pytest is not in the sandbox) against
// real pytest (Debian's python3-pytest), both run natively on one small test module using what
// the library suites use: parametrize, raises, warns with a callable (Pillow's), approx on plain
// numbers, skipif, xfail, and a class whose setup_class skips itself (importorskip of a missing
// module). The counts must be pytest's, and must not depend on numpy being importable: approx
// once imported numpy, so a pure-Python suite (networkx's TestAverageShortestPathLength) failed
// wherever numpy was missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';

const STANDIN = join(repoRoot(), 'python-wasm', 'numpy', 'testsuite');

const MODULE = `
import pytest

@pytest.mark.parametrize("x, y", [(1, 2), (2, 3), (5, 6)])
def test_succ(x, y):
    assert x + 1 == y

@pytest.mark.parametrize("got, want, kw", [
    (2.0000001, 2, {}),                # within the default rel 1e-6
    (2.00001, 2, {}),                  # not within it
    (4.0000000001, 4, {"abs": 1e-7}),
    (4.001, 4, {"abs": 1e-7}),         # abs alone: no relative tolerance
    (100.5, 100, {"rel": 0.01}),
    (0.0, 1e-13, {}),                  # the default abs 1e-12
])
def test_approx(got, want, kw):
    assert got == pytest.approx(want, **kw)

def test_raises():
    with pytest.raises(ValueError, match="bad"):
        raise ValueError("bad value")

@pytest.mark.skipif(True, reason="always")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

class TestNeedsMissing:
    @classmethod
    def setup_class(cls):
        pytest.importorskip("no_such_module_cjw")

    def test_a(self):
        pass

    def test_b(self):
        pass

def _warn_and_double(x):
    import warnings
    warnings.warn("careful", UserWarning)
    return 2 * x

def test_warns_callable():
    assert pytest.warns(UserWarning, _warn_and_double, 21) == 42

def test_warns_callable_without_warning():
    pytest.warns(UserWarning, abs, -1)
`;

function run(dir: string, code: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('/usr/bin/python3', ['-I', '-S', '-B', '-c', `import sys\nsys.path[:0] = [${JSON.stringify(dir)}]\n${code}`],
    { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
}

function standIn(blockNumpy: boolean): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'cj-standin-'));
  try {
    for (const f of ['pytest.py', 'cj_numpy_tests.py']) copyFileSync(join(STANDIN, f), join(dir, f));
    writeFileSync(join(dir, 'test_mod.py'), MODULE);
    const r = run(dir, `${blockNumpy ? "sys.modules['numpy'] = None\n" : ''}import runpy\n` +
      "sys.argv = ['cj_numpy_tests.py', '--list-skips', 'test_mod.py']\nrunpy.run_path('cj_numpy_tests.py', run_name='__main__')\n");
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function realPytest(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'cj-pytest-'));
  try {
    writeFileSync(join(dir, 'test_mod.py'), MODULE);
    const r = run(dir, "sys.path.append('/usr/lib/python3/dist-packages')\nimport pytest\n" +
      "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_mod.py']))\n");
    assert.equal(r.status, 1, `pytest (python3-pytest) did not run: ${r.stdout}${r.stderr}`);
    const counts: Record<string, number> = {};
    for (const m of (r.stdout.trim().split('\n').at(-1) ?? '').matchAll(/(\d+) (passed|failed|skipped|xfailed|xpassed)/g)) counts[m[2]!] = Number(m[1]);
    return counts;
  }
  finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('support_pytest_standin_counts_as_real_pytest_does_with_or_without_numpy', () => {
  const real = realPytest();
  assert.deepEqual(real, { failed: 3, passed: 9, skipped: 3, xfailed: 1 });
  for (const blockNumpy of [false, true]) {
    const s = standIn(blockNumpy);
    assert.deepEqual({ passed: s['passed'], failed: s['failed'], skipped: s['skipped'], xfailed: s['xfailed'] },
      { passed: real['passed'], failed: real['failed'], skipped: real['skipped'], xfailed: real['xfailed'] }, `numpy blocked: ${blockNumpy}`);
    assert.deepEqual(s['failures'], ['test_mod::test_approx[1]', 'test_mod::test_approx[3]', 'test_mod::test_warns_callable_without_warning']);
    assert.deepEqual(s['skips'], ['test_mod::test_skipped', 'test_mod::TestNeedsMissing::test_a', 'test_mod::TestNeedsMissing::test_b']);
  }
});
