// safe_exec with numpy values, and the documented differences between numpy on wasm32 and
// Debian's native (x86_64) numpy 1.24.2 (docs/adr/0007-numpy.md). Each difference is shown on
// both sides, so a change on either side fails the test instead of going unnoticed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../../src/jail/wrapper.js';
import { LIMITS, assertNativeNumpy, runBoth, runNative, runSandbox, safeExecNative, startNumpyJail } from './helpers.js';

let jail: Jail;
before(async () => {
  assertNativeNumpy();
  jail = await startNumpyJail();
});
after(async () => { await jail?.close(); });

describe('safe_exec with numpy', () => {
  test('numpy.float64 survives json_safe, numpy ints/bools/arrays/float32 are dropped (as codejail does)', async () => {
    const code = [
      'import numpy as np',
      'a = np.float64(0.1) * 3',
      'b = np.arange(3).sum()',
      'c = np.int64(5)',
      'd = float(np.mean([1, 2, 3]))',
      'e = [np.float64(1.5), 2]',
      'f = np.array([1.0, 2.0])',
      'g = np.bool_(True)',
      'h = np.float32(0.5)',
      'i = int(np.int64(7))',
      'j = {"k": np.float64(2.5)}',
      'k = np.sqrt(2)',
      'l = (np.float64(1) / 3,)',
      'm = [np.int64(1)]',
      'n = np.pi * np.float64(1e300) * 10',
      'o = np.array([1.5, 2.5]).tolist()',
      'p = x * np.float64(2)',
    ].join('\n');
    const globals = '{"x": 1.25}';
    const native = safeExecNative(buildSafeExecWrapper([]), buildSafeExecStdin(code, globals));
    assert.equal(native.status, 0, native.stderr);
    const wasm = await jail.safeExec({ code, globalsJson: globals, limits: { ...LIMITS } });
    assert.ok(wasm.ok, wasm.ok ? '' : wasm.emsg);
    assert.equal(wasm.globalsJson, native.stdout);
    const g = JSON.parse(wasm.globalsJson) as Record<string, unknown>;
    // kept: float64 (a float subclass) alone or inside containers, inf (json allows Infinity)
    assert.deepEqual(Object.keys(g).sort(), ['a', 'd', 'e', 'i', 'j', 'k', 'l', 'n', 'o', 'p', 'x']);
    assert.equal(g['a'], 0.30000000000000004);
  });

  test('an uncaught numpy error gives the same SafeExecException text', async () => {
    const code = 'import numpy as np\nnp.linalg.inv(np.zeros((2, 2)))';
    const native = safeExecNative(buildSafeExecWrapper([]), buildSafeExecStdin(code, '{}'));
    const wasm = await jail.safeExec({ code, globalsJson: '{}', limits: { ...LIMITS } });
    assert.ok(!wasm.ok);
    assert.equal(wasm.status, native.status);
    // the whole traceback, numpy's frames and source lines included (sources at Debian's paths)
    // (the jail directory's name is random on both sides)
    const jailDir = (t: string) => t.replace(/"\/tmp\/[^/"]+\/jailed_code"/g, '"<jail>/jailed_code"');
    assert.equal(jailDir(Buffer.from(wasm.stderr).toString()), jailDir(native.stderr));
    assert.match(native.stderr, /numpy\.linalg\.LinAlgError: Singular matrix\n$/);
  });
});

describe('documented platform differences (wasm32 vs x86_64)', () => {
  test('numpy errors signalled through FP flags still raise (singular matrix -> LinAlgError)', async () => {
    const { native, wasm } = await runBoth(jail, `
import numpy as np, warnings
for f in (lambda: np.linalg.inv(np.zeros((2, 2))), lambda: np.linalg.solve([[1., 2.], [2., 4.]], [1., 2.]),
          lambda: np.linalg.cholesky(np.array([[1., 2.], [2., 1.]])), lambda: np.linalg.inv(np.ones((3, 3)))):
    try:
        print(f())
    except np.linalg.LinAlgError as e:
        print("LinAlgError:", e)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    print(np.array([1, 2]) // 0, np.array([5]) % 0, [str(x.message) for x in w])
`);
    assert.equal(wasm, native);
    assert.match(wasm, /LinAlgError: Singular matrix/);
  });

  test('np.int_ is int32 on wasm32: np.sum(np.full(3, 2**30)) wraps around', async () => {
    const code = [
      'import numpy as np',
      'print(np.dtype(np.int_), np.dtype(np.intp), np.array([1, 2, 3]).dtype, np.arange(3).dtype)',
      'print(np.sum(np.full(3, 2**30)), np.arange(100000)[-1] ** 2, np.array([2**40]).dtype)',
      'print(np.sum(np.full(3, 2**30), dtype=np.int64), np.full(3, 2**30, dtype=np.int64).sum(), np.sum(np.full(3, 2.0**30)))',
      'print(np.iinfo(np.int_).max, np.prod(np.arange(1, 15)), np.arange(1, 15, dtype=np.int64).prod())',
    ].join('\n');
    const native = runNative(code);
    assert.equal(native.status, 0, native.stderr);
    assert.equal(native.stdout,
      'int64 int64 int64 int64\n3221225472 9999800001 int64\n3221225472 3221225472 3221225472.0\n' +
      '9223372036854775807 87178291200 87178291200\n');
    const wasm = await runSandbox(jail, code);
    assert.equal(wasm.status, 0, wasm.stderr);
    assert.equal(wasm.stdout,
      'int32 int32 int32 int32\n-1073741824 1409865409 int64\n3221225472 3221225472 3221225472.0\n' +
      '2147483647 1278945280 87178291200\n');
  });

  test('no hardware floating-point exception flags: float errstate/seterr never raise or warn on wasm', async () => {
    const code = `
import numpy as np, warnings
warnings.simplefilter("error")
out = []
for name, f in [("divide", lambda: np.array([1.0]) / 0), ("overflow", lambda: np.exp(np.array([1000.0]))),
                ("invalid", lambda: np.sqrt(np.array([-1.0]))), ("underflow", lambda: np.array([1e-300]) * 1e-300),
                ("int-divide", lambda: np.array([1]) // 0)]:
    with np.errstate(all="raise"):
        try:
            out.append(f"{name}: {f().tolist()}")
        except FloatingPointError as e:
            out.append(f"{name}: FloatingPointError({e})")
np.seterr(all="warn")
try:
    out.append(f"warn: {(np.array([1.0]) / 0).tolist()}")
except RuntimeWarning as e:
    out.append(f"warn: RuntimeWarning({e})")
print("\\n".join(out))
print(np.geterr())
`;
    const native = runNative(code);
    assert.equal(native.status, 0, native.stderr);
    assert.equal(native.stdout, [
      'divide: FloatingPointError(divide by zero encountered in divide)',
      'overflow: FloatingPointError(overflow encountered in exp)',
      'invalid: FloatingPointError(invalid value encountered in sqrt)',
      'underflow: FloatingPointError(underflow encountered in multiply)',
      'int-divide: FloatingPointError(divide by zero encountered in floor_divide)',
      'warn: RuntimeWarning(divide by zero encountered in divide)',
      "{'divide': 'warn', 'over': 'warn', 'under': 'warn', 'invalid': 'warn'}", ''].join('\n'));
    const wasm = await runSandbox(jail, code);
    assert.equal(wasm.status, 0, wasm.stderr);
    assert.equal(wasm.stdout, [
      // float loops: the hardware would set the flags, wasm has none. The integer loop signals
      // explicitly (numpy patch 0005: software status word), so it raises as natively.
      'divide: [inf]', 'overflow: [inf]', 'invalid: [nan]', 'underflow: [0.0]',
      'int-divide: FloatingPointError(divide by zero encountered in floor_divide)', 'warn: [inf]',
      "{'divide': 'warn', 'over': 'warn', 'under': 'warn', 'invalid': 'warn'}", ''].join('\n'));
  });

  test('np.ctypeslib is unavailable (no ctypes in the sandbox)', async () => {
    const code = `
import numpy as np
try:
    import ctypes
    print("ctypes", ctypes.sizeof(ctypes.c_long))
except ImportError as e:
    print("ImportError:", e)
try:
    print(np.ctypeslib.as_array(np.ctypeslib.as_ctypes(np.arange(3.0))))
except Exception as e:
    print(type(e).__name__ + ":", e)
`;
    const native = runNative(code);
    assert.equal(native.stdout, 'ctypes 8\n[0. 1. 2.]\n');
    const wasm = await runSandbox(jail, code);
    assert.equal(wasm.status, 0, wasm.stderr);
    assert.equal(wasm.stdout, "ImportError: No module named 'ctypes'\nImportError: ctypes is not available.\n");
  });

  test('long double is IEEE quad (x86_64: 80-bit extended)', async () => {
    const code = 'import numpy as np\nprint(np.finfo(np.longdouble).eps, np.dtype(np.longdouble).itemsize, np.longdouble(1) / 3)';
    const native = runNative(code);
    assert.equal(native.stdout, '1.084202172485504434e-19 16 0.33333333333333333334\n');
    const wasm = await runSandbox(jail, code);
    assert.equal(wasm.status, 0, wasm.stderr);
    assert.match(wasm.stdout, /^1\.9259299443872358530559779425849273e-34 16 0\.3{33,}\d*\n$/);
  });

  test('everything else about dtypes that courses see is the same', async () => {
    const { native, wasm } = await runBoth(jail, `
import numpy as np
print(np.array([1.5]).dtype, np.array([1, 2.0]).dtype, np.array([1j]).dtype, np.array(["ab"]).dtype, np.array([True]).dtype)
print(np.float64(1) + 1, type(np.float64(1) * 2).__name__, (np.array([1, 2]) / 2).dtype, np.array([2**40]).sum())
print(np.int64(2**62) * 2, np.uint8(250) + np.uint8(10), np.array([1, 2], dtype=np.int64).sum().dtype)
`);
    assert.equal(wasm, native);
  });
});
