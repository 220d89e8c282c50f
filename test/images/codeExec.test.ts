// Course content through the service's codejail-service API (POST /api/v0/code-exec), as
// edx-platform sends it (no image named), against native CPython running the same code on the
// same libraries: a mitx-grading-library-style python_lib.zip that imports numpy, chem,
// verifiers and calc, all in the default image openedx-2026.1; a course pinned to the older
// py311-sci-2026.1 gets that image's numpy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { defaultLayerDir } from '../../src/runtime/layers.js';
import { defaultImageName, loadImages } from '../../src/runtime/layeredImages.js';
import { startService, type RunningService } from '../support/service.js';
import { nativeWithLayers, testRoot } from './helpers.js';

const OPENEDX = 'openedx-2026.1';
const OLDER = 'py311-sci-2026.1';
const PINNED_COURSE = 'course-v1:MITx+6.00x+2019';
let service: RunningService;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cj-code-exec-libs-'));
  // REALTIME 10 s, not codejail's 1: these check answers, and a first import of chem or scipy
  // on a loaded machine passed 1 s of wall time once (CPU stays codejail's: fuel, not the clock).
  service = await startService({
    CODEJAIL_WASM_IMAGES: `${OPENEDX},${OLDER}`, CODEJAIL_WASM_WORKERS: '1', CODEJAIL_WASM_LIMIT_REALTIME: '10',
    CODEJAIL_WASM_COURSE_IMAGES: JSON.stringify({ [PINNED_COURSE]: OLDER }),
  });
});
after(async () => {
  await service?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A course library as mitx-grading-library ships it: a package in python_lib.zip. */
const LIB = zipSync({
  'numgrader/__init__.py': strToU8('from .grading import norm_grade\n'),
  'numgrader/grading.py': strToU8([
    'import numpy as np',
    'def norm_grade(student, expected, rtol=1e-6):',
    '    s, e = np.array(student, dtype=float), np.array(expected, dtype=float)',
    '    return bool(np.allclose(s, e, rtol=rtol)), round(float(np.linalg.norm(s - e)), 12)',
  ].join('\n') + '\n'),
});

async function codeExec(payload: Record<string, unknown>, lib?: Uint8Array): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append('payload', JSON.stringify({ globals_dict: {}, ...payload }));
  if (lib) form.append('python_lib.zip', new Blob([Buffer.from(lib)]), 'python_lib.zip');
  const encoded = new Request(service.url, { method: 'POST', body: form });
  const body = Buffer.from(await encoded.arrayBuffer());
  // A connection of its own per request (agent: false): a kept-alive one, idle while the slow
  // native side ran, was closed by the server's keep-alive timeout as fetch reused it (EPIPE).
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(`${service.url}/api/v0/code-exec`, {
      method: 'POST', agent: false,
      headers: { 'content-type': encoded.headers.get('content-type')!, 'content-length': body.length },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(status, 200, text);
  const answer = JSON.parse(text) as { globals_dict: Record<string, unknown>; emsg?: string };
  assert.equal(answer.emsg, undefined, answer.emsg);
  return answer.globals_dict;
}

/** `answer` as native CPython computes it, with the course's zips and these layers first on sys.path. */
function nativeAnswer(code: string, layers: string[], courseZips: string[] = []): unknown {
  const r = nativeWithLayers(`${code}\nimport json\nprint(json.dumps(answer))\n`, layers, courseZips);
  assert.equal(r.status, 0, `native run failed (python3-numpy installed?):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function imageLayerZips(name: string): string[] {
  const image = loadImages(undefined, { root: testRoot(), only: [name] }).get(name)!;
  return image.layers.map((l) => join(defaultLayerDir(testRoot()), `${l.name}-${l.version}.zip`));
}

test('the default image is openedx-2026.1', () => {
  assert.equal(defaultImageName(undefined, testRoot()), OPENEDX);
});

test('a python_lib.zip importing numpy works in the default image without naming one', async () => {
  const code = [
    'from numgrader import norm_grade',
    'answer = [norm_grade([1, 2, 3], [1, 2, 3.0000001]), norm_grade([[1, 0], [0, 1]], [[1, 0], [0, 2]])]',
  ].join('\n');
  const zip = join(tmp, 'python_lib.zip');
  writeFileSync(zip, LIB);
  const globals = await codeExec({ code, python_path: ['python_lib.zip'] }, LIB);
  assert.deepEqual(globals['answer'], nativeAnswer(code, imageLayerZips(OPENEDX), [zip]));
  assert.deepEqual(globals['answer'], [[true, 1e-7], [false, 1]]);
});

/** mitx-grading-library's shape for scipy: `fact()` is gamma(z + 1) at module level, and an
 * IntegralGrader-style check integrates real and imaginary parts with quad, infinite limits included. */
const SCIPY_LIB = zipSync({
  'calcgrader/__init__.py': strToU8('from .functions import fact\nfrom .integrals import integral_grade\n'),
  'calcgrader/functions.py': strToU8([
    'from scipy.special import gamma',
    'def fact(z):',
    '    return gamma(z + 1)',
  ].join('\n') + '\n'),
  'calcgrader/integrals.py': strToU8([
    'import numpy as np',
    'from scipy import integrate',
    'def integral_grade(f, a, b, expected, rtol=1e-8):',
    '    re = integrate.quad(lambda x: np.real(f(x)), a, b)[0]',
    '    im = integrate.quad(lambda x: np.imag(f(x)), a, b)[0]',
    '    return bool(abs(complex(re, im) - expected) <= rtol * abs(expected)), round(re, 10), round(im, 10)',
  ].join('\n') + '\n'),
});

const round12 = (x: number) => Math.round(x * 1e12) / 1e12;

test('a python_lib.zip importing scipy (mitx-grading-library style) works in the default image', async () => {
  const code = [
    'import math',
    'from calcgrader import fact, integral_grade',
    'answer = [float(fact(4)), round(float(fact(0.5)), 12),',
    '          integral_grade(lambda x: math.exp(-x * x), -math.inf, math.inf, math.sqrt(math.pi)),',
    '          integral_grade(lambda x: complex(math.cos(x), math.sin(x)), 0, math.pi / 2, complex(1, 1))]',
  ].join('\n');
  const zip = join(tmp, 'python_lib_scipy.zip');
  writeFileSync(zip, SCIPY_LIB);
  const globals = await codeExec({ code, python_path: ['python_lib.zip'] }, SCIPY_LIB);
  // native: Debian's scipy 1.10.1 (gamma and QUADPACK give the same answers as 1.17.1 here)
  assert.deepEqual(globals['answer'], nativeAnswer(code, imageLayerZips(OPENEDX), [zip]));
  assert.deepEqual((globals['answer'] as unknown[]).slice(0, 2), [24, round12(Math.sqrt(Math.PI) / 2)]);
});

test('chem and verifiers problems give the native answers without naming an image', async () => {
  const code = [
    'import json',
    'from chem.chemcalc import chemical_equations_equal',
    'from verifiers.draganddrop import grade',
    'answer = [chemical_equations_equal("H2 + O2 -> H2O2", "O2 + H2 -> H2O2"),',
    '          chemical_equations_equal("H2 + O2 -> H2O2", "2O2 + 2H2 -> 2H2O2", exact=True),',
    '          grade(json.dumps([{"1": "t1"}, {"name_with_icon": "t2"}]), {"1": "t1", "name_with_icon": "t2"}),',
    '          grade(json.dumps([{"1": "t2"}, {"name_with_icon": "t1"}]), {"1": "t1", "name_with_icon": "t2"})]',
  ].join('\n');
  const globals = await codeExec({ code });
  assert.deepEqual(globals['answer'], nativeAnswer(code, imageLayerZips(OPENEDX)));
  assert.deepEqual(globals['answer'], [true, false, true, false]);
});

test('a calc problem gives the native answer without naming an image', async () => {
  const code = [
    'from calc import evaluator',
    'answer = [evaluator({"x": 2, "R1": 10, "R2": 15}, {}, "x^2 + sqrt(4) + R1||R2"), evaluator({}, {}, "sin(pi/6) + 4.2%")]',
  ].join('\n');
  const globals = await codeExec({ code });
  assert.deepEqual(globals['answer'], nativeAnswer(code, imageLayerZips(OPENEDX)));
  assert.equal((globals['answer'] as number[])[0], 12);
});

test('a course pinned to the older image gets its libraries (numpy 1.24.2, sympy 1.11.1)', async () => {
  const code = 'import numpy, sympy\nanswer = [numpy.__version__, sympy.__version__]';
  const pinned = await codeExec({ code, limit_overrides_context: PINNED_COURSE });
  assert.deepEqual(pinned['answer'], ['1.24.2', '1.11.1']);
  const other = await codeExec({ code, limit_overrides_context: 'course-v1:Org+Other+Run' });
  assert.deepEqual(other['answer'], ['1.26.4', '1.14.0']);
});
