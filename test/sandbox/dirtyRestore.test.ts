// Restoring only the chunks a run marked dirty gives exactly the state a full restore gives:
// after each of thousands of random programs, the instance's memory and globals must equal
// the snapshot byte for byte. A chunk written without a mark (by the interpreter's own
// stores, by the host writing into guest memory, by memory.fill/copy) would show here as a
// difference — and would otherwise leak one request's state into the next.
// The programs mix allocation, module and interpreter state changes, files and directory
// listings (host writes into guest buffers), stdin, clocks and os.urandom, exceptions,
// recursion, big allocations (within the snapshot's free heap, and past it: the grown-memory
// path), and every way a run ends: normally, exceptions, sys.exit, os._exit, fuel exhaustion,
// MemoryError.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { loadNumpyImage } from '../../src/runtime/numpyImage.js';
import { dirtyLayout } from '../../src/sandbox/DirtyChunks.js';
import type { CodejailLimits } from '../../src/jail/types.js';
import type { RunRequest } from '../../src/sandbox/types.js';
import { rng } from '../support/rng.js';
import { pythonRun, warmImage, type WarmImage } from '../support/warmInstance.js';

let base: WarmImage;

before(async () => {
  base = await warmImage(loadBaseImage());
});


type Gen = (n: () => number, i: number) => string;
/** Program fragments; each is top-level code, `n()` a random size. */
const FRAGMENTS: Gen[] = [
  (n, i) => `x${i} = [j * ${n()} for j in range(${n() % 3000})]`,
  (n, i) => `d${i} = {str(j): (j, float(j) / 3) for j in range(${n() % 2000})}`,
  (n, i) => `s${i} = ("ab\\u00e9c" * ${n() % 5000}).upper().replace("A", "z").split("B")`,
  (n, i) => `import json\njson.LEAK${i} = ${n()}\nt${i} = json.loads(json.dumps({"k": list(range(${n() % 500}))}))`,
  (n) => `import random\nrandom.seed(${n()})\nr = [random.random() for _ in range(${n() % 1000})]`,
  (n, i) => `import sys\nsys.modules["leak${i}"] = object()\nsys.path.append("/nowhere${i}")\nsys.setrecursionlimit(${200 + (n() % 3000)})`,
  (n, i) => `import builtins\nbuiltins.leak${i} = ${n()}\ndel builtins.len\n`,
  (n, i) => `with open("f${i}.txt", "w") as f:\n    f.write("x" * ${n() % 100000})\nwith open("f${i}.txt") as f:\n    data${i} = f.read()\nimport os\nlisted${i} = os.listdir(".")\nst${i} = os.stat("f${i}.txt").st_size`,
  (n, i) => `import os\nu${i} = os.urandom(${n() % 5000})\nimport time\nt${i} = (time.time(), time.monotonic(), time.process_time())`,
  (n, i) => `import sys\nin${i} = sys.stdin.read(${n() % 5000})\nline${i} = sys.stdin.readline()`,
  (n) => `try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    msg = str(e) * ${n() % 50}`,
  () => `def rec(k):\n    return rec(k + 1)\ntry:\n    rec(0)\nexcept RecursionError:\n    pass`,
  (n, i) => `class C${i}:\n    def __init__(s, v): s.v = v\n    def __repr__(s): return "C(%r)" % s.v\nobjs${i} = [C${i}(j) for j in range(${n() % 2000})]\nrep${i} = repr(objs${i}[-1:])`,
  (n, i) => `def gen${i}(k):\n    for j in range(k):\n        yield j * j\ng${i} = sum(gen${i}(${n() % 20000}))`,
  (n, i) => `b${i} = bytearray(${n() % 3 === 0 ? n() % 40_000_000 : n() % 200_000})\nb${i}[::7] = b"q" * len(b${i}[::7])\nm${i} = bytes(b${i}).count(b"q")`,
  (n) => `import gc\njunk = [[k] * 3 for k in range(${n() % 5000})]\ndel junk\ngc.collect()`,
  (n, i) => `exec(compile("z${i} = ${n()} ** 3", "<s>", "exec"))\ncode${i} = compile("def f(): return ${n()}", "<t>", "exec")`,
  (n) => `import sys\nfor k in range(${n() % 200}):\n    print(k, "x" * (k % 50))\n    print(k, file=sys.stderr)`,
  (n, i) => `import decimal, fractions, re\ndec${i} = str(decimal.Decimal(${n()}) / 7)\nfr${i} = fractions.Fraction(${n()}, ${1 + (n() % 97)})\nre${i} = re.findall(r"\\d+", "a1b22c333" * ${n() % 300})`,
  (n, i) => `big${i} = 3 ** ${n() % 20000}\nh${i} = hash(str(big${i})[:50])`,
  (n, i) => `import hashlib\nhx${i} = hashlib.sha256(b"x" * ${n() % 300000}).hexdigest()`,
  (n, i) => `import array, struct\narr${i} = array.array("i", range(${n() % 30000}))\npk${i} = struct.pack("<%di" % 10, *range(10))`,
  (n, i) => `import os\nos.makedirs("dir${i}/sub", exist_ok=True)\nopen("dir${i}/sub/a", "w").close()\nos.rename("dir${i}/sub/a", "dir${i}/b")\nwalk${i} = list(os.walk("."))\nos.environ["LEAK${i}"] = "${n()}"\nos.chdir("dir${i}")`,
  (n, i) => `import random2\nrr${i} = random2.Random(${n()}).random()\nimport six\nsx${i} = six.text_type(${n()})`,
];
const ENDINGS: Gen[] = [
  () => '',
  () => 'print("done")',
  (n) => `raise ValueError(${n()})`,
  (n) => `import sys\nsys.exit(${n() % 3})`,
  (n) => `import os\nos._exit(${n() % 4})`,
  () => 'while True:\n    pass',                                 // fuel runs out
  () => 'hog = []\nwhile True:\n    hog.append(" " * 1000000)',     // MemoryError under VMEM
  () => 'import sys\nsys.setrecursionlimit(10 ** 6)\nl = []\nfor _ in range(300000):\n    l = [l]\nrepr(l)', // C stack overflow
];

/** numpy's C code (the numpy variant's own stores, its allocator use, its buffers). */
const NUMPY_FRAGMENTS: Gen[] = [
  (n, i) => `import numpy as np\na${i} = np.arange(${n() % 200000}, dtype=np.float64)\na${i} *= 1.5\nsa${i} = float(a${i}.sum())`,
  (n, i) => `import numpy as np\nm${i} = np.random.default_rng(${n()}).random((${1 + (n() % 60)}, ${1 + (n() % 60)}))\nmm${i} = (m${i} @ m${i}.T).trace()`,
  (n, i) => `import numpy as np\nnp.LEAK${i} = ${n()}\nnp.set_printoptions(precision=${1 + (n() % 8)})\nr${i} = repr(np.linspace(0, 1, ${n() % 50}))`,
  (n, i) => `import numpy as np\nz${i} = np.zeros(${n() % 3 === 0 ? n() % 4_000_000 : n() % 20000}, dtype=np.int32)\nz${i}[::3] = 7\nc${i} = int(np.count_nonzero(z${i}))`,
  (n, i) => `import numpy as np\ns${i} = np.sort(np.random.RandomState(${n() % 1000}).randint(0, 100, ${n() % 50000}))\nu${i} = np.unique(s${i}).tolist()`,
];

function program(seed: number, fragments = FRAGMENTS): { req: RunRequest; code: string } {
  const r = rng(seed);
  const n = () => Math.floor(r() * 1e6);
  const parts = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => fragments[Math.floor(r() * fragments.length)]!(n, i));
  const end = Math.floor(r() * ENDINGS.length);
  const ending = r() < 0.6 ? '' : ENDINGS[end]!(n, 99);
  const code = [...parts, ending].join('\n');
  const limits: Partial<CodejailLimits> = { CPU: 0.1, REALTIME: 10, FSIZE: 1 << 20, VMEM: ending.includes('hog') ? 96 << 20 : 0 };
  const stdin = 'line one\n' + 'y'.repeat(Math.floor(r() * 3000));
  const req = pythonRun(code, limits, { stdin, seed });
  return { req, code };
}

test('support_dirty_restore: the runtime has the store barrier', () => {
  const layout = dirtyLayout(base.module);
  assert.ok(layout, 'python-wasm/dist/python.wasm has no store barrier');
  assert.ok(layout.chunkShift >= 8 && layout.chunkShift <= 16);
});

test('support_dirty_restore: after thousands of random programs a dirty-chunk restore equals a full restore, byte for byte', () => {
  const PROGRAMS = Number(process.env.CODEJAIL_WASM_DIRTY_PROGRAMS ?? 2000);
  const inst = base.instance();
  const outcomes = new Map<string, number>();
  let partial = 0;
  let copied = 0;
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const { req, code } = program(seed);
    const result = inst.run(req);
    const key = `${result.outcome}/${result.limitHit ?? '-'}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const bytes = inst.restore(base.snapshot);
    copied += bytes;
    if (bytes < base.snapshot.memory.length) partial++;
    const diff = inst.differenceFrom(base.snapshot);
    assert.equal(diff, null, `program ${seed} (${key}) left state behind after the restore: ${diff}\n${code}`);
  }
  // The programs reach the paths they are meant to (a generator that only ever ran trivial
  // code, or a restore that always copied everything, would pass vacuously).
  for (const k of ['complete/-', 'out_of_fuel/CPU']) assert.ok((outcomes.get(k) ?? 0) > 0, `no run ended ${k}: ${[...outcomes]}`);
  assert.ok([...outcomes.keys()].some((k) => k.startsWith('crashed')), `no run crashed: ${[...outcomes]}`);
  assert.ok(partial > PROGRAMS / 2, `only ${partial} of ${PROGRAMS} restores were partial`);
  assert.ok(copied < PROGRAMS * base.snapshot.memory.length / 2, 'restores copied more than half the snapshot on average');
});

test('support_dirty_restore: the comparison catches a write the marks missed', () => {
  // Control for the test above: with the host's own marks switched off, a run whose only
  // writes to some chunks are the host's (os.urandom: random_get fills a fresh buffer the
  // interpreter allocated without initialising it) must leave a difference behind.
  const inst = base.instance();
  const marks = (inst as unknown as { marks: { mark(ptr: number, len: number): void } }).marks;
  marks.mark = () => {};
  assert.equal(inst.run(pythonRun('import os\nsecret = os.urandom(200000)\n', {})).status, 0);
  inst.restore(base.snapshot);
  assert.match(inst.differenceFrom(base.snapshot) ?? '', /memory differs/);
});

test('support_dirty_restore: the numpy variant too, after random programs mixing numpy and plain Python', async () => {
  const numpy = await warmImage(loadNumpyImage());
  assert.ok(dirtyLayout(numpy.module), 'python-wasm/numpy/dist/python-numpy.wasm has no store barrier');
  const PROGRAMS = Math.max(50, Math.floor(Number(process.env.CODEJAIL_WASM_DIRTY_PROGRAMS ?? 2000) / 10));
  const inst = numpy.instance();
  let partial = 0;
  let numpyRuns = 0;
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const { req, code } = program(100_000 + seed, [...FRAGMENTS, ...NUMPY_FRAGMENTS, ...NUMPY_FRAGMENTS]);
    const result = inst.run(req);
    if (code.includes('np.') && result.outcome === 'complete') numpyRuns++;
    if (inst.restore(numpy.snapshot) < numpy.snapshot.memory.length) partial++;
    const diff = inst.differenceFrom(numpy.snapshot);
    assert.equal(diff, null, `numpy program ${seed} (${result.outcome}) left state behind after the restore: ${diff}\n${code}`);
  }
  assert.ok(numpyRuns > PROGRAMS / 4, `only ${numpyRuns} of ${PROGRAMS} programs ran numpy to completion`);
  assert.ok(partial > PROGRAMS / 2, `only ${partial} of ${PROGRAMS} restores were partial`);
});
