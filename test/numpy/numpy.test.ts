// numpy 1.24.2 in the sandbox against Debian's native numpy 1.24.2 (expected values are computed
// by /usr/bin/python3 in the same test run, never stored).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { assertClose, assertNativeNumpy, runBoth, runNative, runSandbox, startNumpyJail } from './helpers.js';

let jail: Jail;
before(async () => {
  assertNativeNumpy();
  jail = await startNumpyJail();
});
after(async () => { await jail?.close(); });

/** Same program, same output, byte for byte. */
async function identical(code: string): Promise<string> {
  const { native, wasm } = await runBoth(jail, code);
  assert.equal(wasm, native);
  return wasm;
}

/** The program prints one JSON document; compare numerically with a tolerance. */
async function close(code: string, rtol = 1e-12, atol = 1e-13): Promise<void> {
  const { native, wasm } = await runBoth(jail, code);
  assertClose(JSON.parse(wasm), JSON.parse(native), rtol, atol);
}

describe('numpy in the sandbox', () => {
  test('import numpy: version, extension modules are built in, preloaded', async () => {
    const r = await runSandbox(jail, [
      'import sys',
      // Imported before the snapshot, yet not in sys.modules before the program imports it, as natively.
      'print("numpy" in sys.modules)',
      'import numpy as np, numpy.core._multiarray_umath as m',
      'print(np.__version__, m.__spec__.origin, np.core.multiarray.__name__)',
      'print(sorted(n for n in sys.builtin_module_names if n.startswith("numpy.")))',
    ].join('\n'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], runNative('import sys\nprint("numpy" in sys.modules)').stdout.trim());
    assert.equal(lines[1], '1.24.2 built-in numpy.core.multiarray');
    assert.equal(lines[2], "['numpy.core._multiarray_tests', 'numpy.core._multiarray_umath', 'numpy.fft._pocketfft_internal', " +
      "'numpy.linalg._umath_linalg', 'numpy.linalg.lapack_lite', 'numpy.random._bounded_integers', 'numpy.random._common', " +
      "'numpy.random._generator', 'numpy.random._mt19937', 'numpy.random._pcg64', 'numpy.random._philox', " +
      "'numpy.random._sfc64', 'numpy.random.bit_generator', 'numpy.random.mtrand']");
  });

  test('array arithmetic, broadcasting, reductions', async () => {
    await identical(`
import numpy as np
a = np.array([[1.5, -2.0, 3.25], [4.0, 0.5, -6.0]])
b = np.array([0.25, 2.0, -1.0])
print(repr(a + b)); print(repr(a * b)); print(repr(a / b)); print(repr(a - 1)); print(repr(a ** 2))
print(repr(-a), repr(abs(a)), repr(a // 1.5), repr(a % 1.5))
print(repr(a.sum()), repr(a.sum(axis=0)), repr(a.mean(axis=1)), repr(a.std()), repr(a.var(ddof=1)))
print(repr(a.min()), repr(a.max(axis=1)), a.argmax(), a.argmin(axis=0).tolist(), repr(np.cumsum(b)), repr(np.cumprod(b)))
print(repr(np.sqrt(abs(a))), repr(np.round(a / 3, 3)), repr(np.floor(a)), repr(np.clip(a, -1, 1)))
print(repr(np.sort(a, axis=None)), np.argsort(b).tolist(), repr(np.unique(np.array([3., 1., 3., 2.]))))
print(repr(a.T), a.shape, a.reshape(3, 2).tolist(), repr(np.concatenate([b, b])), repr(np.where(a > 0, a, 0)))
print([x.tolist() for x in (np.array([1, 2, 3]) * 2, np.array([7, -7]) // 2, np.array([7, -7]) % 3)])
print(repr(np.array([True, False]) & np.array([True, True])), (a > 0).sum(), np.count_nonzero(a))
print(repr(np.mean([1, 2, 3, 4])), repr(np.median([3.0, 1.0, 2.0])), repr(np.percentile([1.0, 2.0, 3.0, 4.0], 30)))
`);
  });

  test('linspace and arange', async () => {
    await identical(`
import numpy as np
print(repr(np.linspace(0, 1, 11)))
print(repr(np.linspace(-2.5, 7, 7, endpoint=False)), repr(np.linspace(0, 10, 5, retstep=True)))
print(repr(np.arange(0.0, 1.0, 0.1)), repr(np.arange(5.0)), repr(np.arange(1, 2, 0.25)))
print(np.arange(10).tolist(), np.arange(3, 30, 7).tolist(), np.arange(10, 0, -3).tolist())
print(repr(np.logspace(0, 3, 4)), repr(np.geomspace(1, 1000, 4)))
print(len(np.arange(0, 1, 1/3)), repr(np.arange(-1.5, 1.5, 0.5)))
`);
  });

  test('dot, @, outer, cross, trace (integer-valued: exact)', async () => {
    await identical(`
import numpy as np
A = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 10.]])
B = np.array([[2., 0., -1.], [1., 3., 0.5], [0., -2., 4.]])
v = np.array([1., -1., 2.])
print(repr(A @ B)); print(repr(np.dot(A, v))); print(repr(v @ v)); print(repr(A.dot(B).dot(v)))
print(repr(np.outer(v, v))); print(repr(np.cross(v, [0., 1., 0.]))); print(repr(np.trace(A)))
print(repr(np.matmul(A, B.T)), repr(np.inner(v, v)), repr(np.vdot(v, v)), repr(np.tensordot(A, B, axes=1)))
print((np.array([[1, 2], [3, 4]]) @ np.array([[5, 6], [7, 8]])).tolist())
`);
  });

  test('matmul of non-trivial floats agrees to rounding (lapack_lite/naive loops vs OpenBLAS)', async () => {
    await close(`
import numpy as np, json
rng = np.random.RandomState(7)
A = rng.standard_normal((40, 30)); B = rng.standard_normal((30, 20))
print(json.dumps({"AB": (A @ B).tolist(), "dot": np.dot(A[0], A[1]).item(), "einsum": np.einsum("ij,jk->ik", A, B).tolist()}))
`, 1e-12, 1e-12);
  });

  test('linalg: solve, inv, det, norm, eig, eigh, svd, lstsq, qr, cholesky', async () => {
    await close(`
import numpy as np, json
A = np.array([[4., -2., 1.], [-2., 4., -2.], [1., -2., 4.]])
M = np.array([[2., 1., 0.5], [0.3, 3., 1.], [1., 0.2, 5.]])
b = np.array([11., -16., 17.])
w, V = np.linalg.eig(M)
order = np.argsort(w.real)
ws, Vs = np.linalg.eigh(A)
u, s, vt = np.linalg.svd(M)
x, res, rank, sv = np.linalg.lstsq(np.vstack([np.arange(6.), np.ones(6)]).T, np.array([1., 2.9, 5.2, 7.1, 8.8, 11.]), rcond=None)
q, r = np.linalg.qr(M)
out = {
  "solve": np.linalg.solve(A, b).tolist(), "solve_M": np.linalg.solve(M, b).tolist(),
  "inv": np.linalg.inv(M).tolist(), "det": np.linalg.det(M), "det_A": np.linalg.det(A),
  "slogdet": list(np.linalg.slogdet(M)),
  "norm": np.linalg.norm(M), "norm_1": np.linalg.norm(M, 1), "norm_2": np.linalg.norm(M, 2),
  "norm_inf": np.linalg.norm(M, np.inf), "norm_vec": np.linalg.norm(b), "norm_vec3": np.linalg.norm(b, 3),
  "eig_values": w.real[order].tolist(), "eig_imag": w.imag[order].tolist(),
  # eigenvectors are defined up to scale: compare M v - w v (zero) and the normalised |v|
  "eig_residual": float(np.abs(M @ V - V * w).max()), "eig_vec_abs": np.abs(V[:, order]).tolist(),
  "eigh_values": ws.tolist(), "eigh_vec_abs": np.abs(Vs).tolist(),
  "svd_s": s.tolist(), "svd_rebuilt": (u @ np.diag(s) @ vt).tolist(),
  "lstsq": x.tolist(), "lstsq_res": res.tolist(), "rank": int(rank),
  "qr_rebuilt": (q @ r).tolist(), "qr_r_abs": np.abs(r).tolist(),
  "cholesky": np.linalg.cholesky(A).tolist(), "matrix_rank": int(np.linalg.matrix_rank(M)),
  "pinv": np.linalg.pinv(M).tolist(), "cond": np.linalg.cond(M), "matrix_power": np.linalg.matrix_power(M, 3).tolist(),
}
print(json.dumps(out))
`, 1e-10, 1e-12);
  });

  test('polyfit, polyval, roots, Polynomial.fit', async () => {
    await close(`
import numpy as np, json
x = np.linspace(-1, 2, 9); y = 3 * x**2 - 2 * x + 0.5 + 0.01 * np.sin(7 * x)
p2 = np.polyfit(x, y, 2); p3, cov = np.polyfit(x, y, 3, cov=True)
fit = np.polynomial.Polynomial.fit(x, y, 2).convert()
print(json.dumps({"p2": p2.tolist(), "p3": p3.tolist(), "cov": cov.tolist(), "val": np.polyval(p2, [0.0, 1.5]).tolist(),
  "roots": sorted(np.roots([1., -6., 11., -6.]).real.tolist()), "poly_fit": fit.coef.tolist(),
  "polyder": np.polyder(p3).tolist(), "polyint": np.polyint(p2).tolist(), "interp": np.interp([0.25, 1.1], x, y).tolist(),
  "trapz": np.trapz(y, x), "gradient": np.gradient(y, x).tolist()}))
`, 1e-9, 1e-12);
  });

  test('transcendental ufuncs agree to 1-2 ulp (musl libm vs glibc)', async () => {
    await close(`
import numpy as np, json
x = np.linspace(-10, 10, 201)
p = np.linspace(0.01, 50, 200)
print(json.dumps({k: f(v).tolist() for k, f, v in [("sin", np.sin, x), ("cos", np.cos, x), ("tan", np.tan, x / 10),
  ("exp", np.exp, x), ("log", np.log, p), ("log10", np.log10, p), ("sqrt", np.sqrt, p), ("arctan", np.arctan, x),
  ("tanh", np.tanh, x), ("power", lambda v: np.power(v, 1.7), p), ("expm1", np.expm1, x / 10), ("log1p", np.log1p, p),
  ("arcsin", np.arcsin, x / 10), ("cosh", np.cosh, x), ("hypot", lambda v: np.hypot(v, 3.0), x)]}))
`, 1e-15, 1e-300);
  });

  test('legacy RandomState streams: identical to native for the same seeds', async () => {
    await identical(`
import numpy as np
np.random.seed(42)
print(repr(np.random.rand(3)), repr(np.random.randn(3)), np.random.randint(0, 100, size=8).tolist())
print(np.random.randint(10), repr(np.random.random()), repr(np.random.uniform(-1, 1, 4)))
rs = np.random.RandomState(12345)
print(repr(rs.random_sample(4)), repr(rs.normal(10, 2, 3)), rs.randint(-50, 50, 6).tolist())
print(rs.choice(10, 5).tolist(), rs.choice(['a', 'b', 'c'], 4).tolist(), rs.choice(10, 4, replace=False).tolist())
print(rs.permutation(8).tolist(), rs.binomial(10, 0.3, 5).tolist(), rs.poisson(3.5, 5).tolist())
x = list(range(10)); rs.shuffle(x); print(x)
print(repr(rs.exponential(2.0, 3)), repr(rs.gamma(2.0, 1.5, 3)), repr(rs.beta(2, 3, 2)), repr(rs.standard_t(5, 2)))
print(rs.multinomial(20, [0.2, 0.3, 0.5], size=2).tolist(), rs.hypergeometric(10, 5, 6, 4).tolist(), rs.geometric(0.3, 4).tolist())
print(rs.randint(0, 2**31 - 1, 3).tolist(), rs.randint(5, size=(2, 3)).tolist(), rs.random_integers(1, 6, 5).tolist())
print(rs.randint(0, 2**40, 3, dtype=np.int64).tolist(), rs.randint(0, 255, 4, dtype=np.uint8).tolist())
print(repr(rs.multivariate_normal([0., 1.], [[1., 0.5], [0.5, 2.]], 2)))
print(np.random.RandomState(0).get_state()[1][:5].tolist(), np.random.RandomState(2**32 - 1).randint(1000, size=3).tolist())
`);
  });

  test('Generator (PCG64) and other bit generators: identical streams', async () => {
    await identical(`
import numpy as np
g = np.random.default_rng(2024)
print(repr(g.random(4)), repr(g.standard_normal(3)), g.integers(0, 1000, 6).tolist(), g.integers(10, size=3).tolist())
print(g.choice(20, 5, replace=False).tolist(), g.permutation(6).tolist(), repr(g.normal(5, 0.1, 2)), g.binomial(7, 0.5, 4).tolist())
print(g.integers(-2**62, 2**62, 2).tolist(), repr(g.uniform(size=2)), g.poisson(2.0, 4).tolist())
for bg in (np.random.MT19937, np.random.Philox, np.random.SFC64, np.random.PCG64DXSM):
    print(bg.__name__, repr(np.random.Generator(bg(7)).random(2)), np.random.Generator(bg(7)).integers(0, 2**32, 2).tolist())
`);
  });

  test('isclose, allclose, array_equal, nan/inf handling', async () => {
    await identical(`
import numpy as np
a = np.array([1.0, 1e10, 1e-8, np.nan, np.inf, 0.0])
b = np.array([1.0 + 1e-9, 1.00001e10, 1e-9, np.nan, np.inf, 1e-9])
print(np.isclose(a, b).tolist(), np.isclose(a, b, equal_nan=True).tolist(), np.isclose(a, b, rtol=0, atol=1e-12).tolist())
print(np.allclose(a[:3], b[:3]), np.allclose([1e-8], [2e-8]), np.allclose([1, np.nan], [1, np.nan], equal_nan=True))
print(np.array_equal([1, 2], [1, 2]), np.array_equiv([1, 2], [[1, 2], [1, 2]]), np.isnan(a).tolist(), np.isfinite(a).tolist())
print(repr(np.nansum(a[:4])), repr(np.nanmax(a[:4])), repr(np.nan_to_num(a)), np.isinf(a).tolist())
print(repr(np.float64(0.1) + np.float64(0.2)), np.float64(0.1) + np.float64(0.2) == 0.3, np.isclose(0.1 + 0.2, 0.3))
`);
  });

  test('float formatting and repr', async () => {
    await identical(`
import numpy as np
print(repr(np.float64(0.1)), str(np.float64(1/3)), repr(np.float32(0.1)), repr(np.float16(0.1)))
print(np.array([1/3, 2/3, 1e-10, 1e10]), repr(np.array([1.0, 2.5, -0.0])), repr(np.array([1e20, 1.0])))
print(repr(np.array([np.nan, np.inf, -np.inf])), repr(np.array([0.1, 0.25], dtype=np.float32)))
print(repr(np.array([1 + 2j, -0.5j])), repr(np.complex128(1.5 - 2j)), str(np.array([[1.123456789, 2], [3, 4]])))
print(np.format_float_positional(np.pi, precision=5), np.format_float_scientific(1.5e-7, unique=False, precision=4))
print(np.array2string(np.linspace(0, 1, 5), precision=2, separator=', '), "%.3f %e %g" % (np.pi, np.e, np.float64(1e-5)))
print(f"{np.float64(2.5):.2f} {np.float64(1234567.891):,.1f} {np.float32(3.14159):.3f}", round(np.float64(2.675), 2))
with np.printoptions(precision=3, suppress=True):
    print(np.array([1e-10, 1.23456, 100.5]))
print(np.arange(2000.0))
print(repr(np.array(["a", "bc"])), repr(np.array([b"x"])), repr(np.array([1, None], dtype=object)))
print(repr(np.datetime64("2024-02-29") + np.timedelta64(1, "D")), repr(np.arange("2024-01", "2024-04", dtype="datetime64[M]")))
print(np.finfo(np.float64), np.finfo(np.float32).eps, np.iinfo(np.int64).max, np.iinfo(np.int32).min)
print(str(np.float64(1e16)), repr(np.float64(123456789012345678)), float(np.float64(0.3)), np.float64(7.0).is_integer())
`);
  });

  test('numpy scalars and arrays in JSON, tolist(), item()', async () => {
    await identical(`
import numpy as np, json
print(json.dumps({"f": np.float64(0.1), "l": [np.float64(1.5)], "t": np.arange(3.0).tolist(), "i": np.arange(3).tolist()}))
print(np.array([1, 2]).sum().item(), type(np.float64(1.0).item()).__name__, isinstance(np.float64(1), float))
try:
    json.dumps({"x": np.int64(1)})
except TypeError as e:
    print("TypeError:", e)
`);
  });
});
