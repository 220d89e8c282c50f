// A slice of numpy's own test suite, run inside OUR sandbox (WorkerPool + in-memory WASI host),
// with the pytest stand-in from python-wasm/numpy/testsuite (real pytest is not available in the
// sandbox). The same runner runs the same files natively on Debian's numpy 1.24.2, so the shim's
// own limits cancel out: the sandbox may only fail where the platform is documented to differ.
//
// Needs the test variant of the runtime (numpy.core's test-only extension modules linked in),
// which python-wasm/numpy/build.sh leaves in its build directory; skipped when that is absent.
// Slow (minutes): set CJW_NUMPY_SUITE=0 to skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJail, type Jail } from '../../src/jail/jail.js';
import { defaultPolicy } from '../../src/jail/limits.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { loadNumpyImage } from '../../src/runtime/numpyImage.js';
import { NATIVE_PYTHON, assertNativeNumpy } from './helpers.js';

const BUILD = process.env.CJW_NUMPY_BUILD_DIR ?? '/var/tmp/codejail-wasm-numpy-build';
const TEST_WASM = join(BUILD, 'out', 'python-numpy-tests.wasm');
const NUMPY_SRC = join(BUILD, 'numpy-1.24.2', 'numpy');
const SHIM_DIR = join(repoRoot(), 'python-wasm', 'numpy', 'testsuite');
const SHIM_FILES = ['pytest.py', 'hypothesis.py', 'cj_numpy_tests.py'];
const FILES = [
  'core/tests/test_shape_base.py', 'core/tests/test_numeric.py', 'core/tests/test_umath.py',
  'core/tests/test_scalarmath.py', 'core/tests/test_einsum.py', 'lib/tests/test_function_base.py',
  'fft/tests/test_pocketfft.py', 'polynomial/tests/test_polynomial.py', 'random/tests/test_random.py',
];
/** Failures that are the documented platform differences (no FP exception flags on wasm). */
const KNOWN_WASM_FAILURES = new Set<string>([
  'test_umath::TestSpecialFloats::test_exp_exceptions',
  'test_umath::TestSpecialFloats::test_exp2',
]);

interface Summary { passed: number; failed: number; skipped: number; xfailed: number; xpassed: number; error: number; seconds: number; failures: string[] }

const enabled = process.env.CJW_NUMPY_SUITE !== '0' && existsSync(TEST_WASM) && existsSync(NUMPY_SRC);
let jail: Jail | undefined;

function lastJson(out: string): Summary {
  const line = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Summary;
}

function runNativeFile(rel: string): Summary {
  const dir = mkdtempSync(join(tmpdir(), 'numpy-suite-'));
  try {
    for (const f of SHIM_FILES) copyFileSync(join(SHIM_DIR, f), join(dir, f));
    const name = rel.split('/').at(-1)!;
    copyFileSync(join(NUMPY_SRC, rel), join(dir, name));
    const r = spawnSync(NATIVE_PYTHON, ['-E', '-B', 'cj_numpy_tests.py', name], {
      cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, r.stderr);
    return lastJson(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('numpy test suite (slice) inside the sandbox', { skip: enabled ? false : `no test variant at ${TEST_WASM} (run python-wasm/numpy/build.sh)` }, () => {
  before(async () => {
    assertNativeNumpy();
    const image = { ...loadNumpyImage(), name: 'py311-numpy-tests', wasmBytes: readFileSync(TEST_WASM) };
    jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 16, outputLimitBytes: 16 << 20, image });
  });
  after(async () => { await jail?.close(); });

  const totals = { wasm: 0, native: 0 };
  for (const rel of FILES) {
    test(rel, async () => {
      const name = rel.split('/').at(-1)!;
      const enc = (s: string) => new TextEncoder().encode(s);
      const files = [...SHIM_FILES.map((f) => ({ path: f, content: readFileSync(join(SHIM_DIR, f)) })),
        { path: name, content: readFileSync(join(NUMPY_SRC, rel)) }];
      const r = await jail!.jailCode({
        command: 'python', code: `import runpy, sys\nsys.argv = ['cj_numpy_tests.py', ${JSON.stringify(name)}]\nrunpy.run_path('cj_numpy_tests.py', run_name='__main__')\n`,
        files, limits: { CPU: 1800, REALTIME: 3600, VMEM: 1 << 30 }, stdin: enc(''),
      });
      const out = Buffer.from(r.stdout).toString('utf8');
      assert.equal(r.status, 0, `${Buffer.from(r.stderr).toString('utf8').slice(-2000)}\n${out.slice(-2000)}`);
      const wasm = lastJson(out);
      const native = runNativeFile(rel);
      totals.wasm += wasm.passed; totals.native += native.passed;
      console.log(`# ${name}: sandbox ${JSON.stringify({ ...wasm, failures: undefined })} native passed ${native.passed}` +
        ` failed ${native.failed} error ${native.error}; running totals passed: sandbox ${totals.wasm}, native ${totals.native}`);
      const unexpected = wasm.failures.filter((f) => !KNOWN_WASM_FAILURES.has(f) && !native.failures.includes(f));
      assert.deepEqual(unexpected, [], out.split('\n').filter((l) => l.startsWith('FAILED')).join('\n'));
    });
  }
});
