// A C++ exception that no guest frame catches leaves the module as a WebAssembly.Exception
// (the runtime's C++ is built with -fwasm-exceptions). Natively it is std::terminate -> abort():
// SIGABRT, status -6, with what the process wrote before kept. The run must end so, keep its
// output, and leave an instance that restores to the snapshot and serves the next run cleanly;
// before, the worker reported it as a host error (-11) and dropped stdout and stderr (#24).
// The guest below is a minimal reactor with the runtime's exports, put through the same
// post-link pipeline (fuel, store barrier) as the runtime, that throws a real wasm exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PythonInstance } from '../../src/sandbox/PythonInstance.js';
import { imageTree } from '../../src/sandbox/imageTree.js';
import { WorkerPool } from '../../src/sandbox/WorkerPool.js';
import type { RunRequest } from '../../src/sandbox/types.js';
import { emitWithExceptionHandling, postlink } from '../support/postlink.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const I32 = binaryen.i32;
const NONE = binaryen.none;

const BEFORE = 'written before the throw\n';
const WARNING = 'a line on stderr\n';
const CLEAN = 'clean run\n';
const PAYLOAD_AT = 4096;
const COUNTER_AT = 8192;

/**
 * The reactor's exports as PythonInstance uses them. cj_run(ptr, len) writes BEFORE to stdout
 * and WARNING to stderr through WASI's fd_write, then:
 *  - argv[0] starting with 't' (the payload is JSON: `{"argv":["t...`, its 11th byte): bumps a
 *    counter in memory, moves the stack pointer, and calls a function that throws the tag
 *    `cpp` from inside a try whose handler is for another tag (a C++ frame whose catch clauses
 *    do not match), so nothing in the guest catches it;
 *  - otherwise writes CLEAN and returns 0.
 */
function throwingReactor(): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt |
    binaryen.Features.BulkMemory | binaryen.Features.ExceptionHandling);
  const text = (s: string) => Array.from(new TextEncoder().encode(s));
  const segments = [[256, BEFORE], [512, WARNING], [768, CLEAN]].map(([at, s]) => ({
    offset: m.i32.const(at as number), data: new Uint8Array(text(s as string)), passive: false,
  }));
  m.setMemory(4, 4, 'memory', segments, false, false, 'memory');
  // (the post-link pipeline exports it as __stack_pointer, as it does clang's stack pointer)
  m.addGlobal('__stack_pointer', I32, true, m.i32.const(65536));
  m.addTag('cpp', I32, NONE);
  m.addTag('other', I32, NONE);
  m.addFunctionImport('fd_write', 'wasi_snapshot_preview1', 'fd_write', binaryen.createType([I32, I32, I32, I32]), I32);
  const get = (x: number) => m.local.get(x, I32);
  const c = (x: number) => m.i32.const(x);
  // say(fd, ptr, len): one iovec at 16, bytes written at 24.
  m.addFunction('say', binaryen.createType([I32, I32, I32]), NONE, [], m.block(null, [
    m.i32.store(0, 4, c(16), get(1), 'memory'),
    m.i32.store(0, 4, c(20), get(2), 'memory'),
    m.drop(m.call('fd_write', [get(0), c(16), c(1), c(24)], I32)),
  ]));
  m.addFunction('thrower', binaryen.createType([I32]), NONE, [], m.throw('cpp', [get(0)]));
  m.addFunction('cj_run', binaryen.createType([I32, I32]), I32, [], m.block(null, [
    m.call('say', [c(1), c(256), c(BEFORE.length)], NONE),
    m.call('say', [c(2), c(512), c(WARNING.length)], NONE),
    m.if(m.i32.eq(m.i32.load8_u(10, 1, get(0), 'memory'), c('t'.charCodeAt(0))), m.block(null, [
      m.i32.store(0, 4, c(COUNTER_AT), m.i32.add(m.i32.load(0, 4, c(COUNTER_AT), 'memory'), c(1)), 'memory'),
      m.global.set('__stack_pointer', m.i32.sub(m.global.get('__stack_pointer', I32), c(64))),
      m.try('frame', m.call('thrower', [c(42)], NONE), ['other'], [m.drop(m.i32.pop())]),
    ])),
    m.call('say', [c(1), c(768), c(CLEAN.length)], NONE),
    c(0),
  ], I32));
  m.addFunction('cj_init', NONE, I32, [], c(0));
  m.addFunction('_initialize', NONE, NONE, [], m.nop());
  m.addFunction('cj_alloc', binaryen.createType([I32]), I32, [], c(PAYLOAD_AT));
  m.addFunction('cj_free', binaryen.createType([I32]), NONE, [], m.nop());
  m.addFunction('cj_set_memory_limit', binaryen.createType([I32]), NONE, [], m.nop());
  for (const name of ['cj_run', 'cj_init', '_initialize', 'cj_alloc', 'cj_free', 'cj_set_memory_limit']) {
    m.addFunctionExport(name, name);
  }
  return emitWithExceptionHandling(m);
}

const { fuel } = postlink(throwingReactor());
const module = new WebAssembly.Module(fuel as Uint8Array<ArrayBuffer>);
const layers = imageTree([]);

function request(argv0: string): RunRequest {
  return {
    argv: [argv0], env: {}, cwd: '/tmp/codejail-test', files: [], stdin: new Uint8Array(0), seed: 1,
    limits: {
      fuel: 1_000_000, fuelPerSecond: 1_000_000_000, realtimeMs: 10_000, watchdogMs: 0, memoryBytes: 0,
      fileSizeBytes: 0, diskQuotaBytes: 0, maxFiles: 0, stdoutBytes: 1 << 16, stderrBytes: 1 << 16,
    },
  };
}
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

test('an uncaught guest exception ends the run as SIGABRT (-6), keeping its stdout and stderr', () => {
  const inst = PythonInstance.cold(module, layers);
  const snapshot = inst.snapshot();
  const r = inst.run(request('throw'));
  assert.equal(r.outcome, 'crashed');
  assert.equal(r.status, -6);
  assert.equal(text(r.stdout), BEFORE);
  assert.equal(text(r.stderr), WARNING);
  assert.match(r.detail ?? '', /uncaught WebAssembly exception/);
  assert.equal(r.limitHit, undefined);
  // What the run changed (memory, the stack pointer) is undone by the restore.
  assert.notEqual(inst.differenceFrom(snapshot), null, 'the throwing run changed nothing: the test proves no restore');
  inst.restore(snapshot);
  assert.equal(inst.differenceFrom(snapshot), null);
  const next = inst.run(request('clean'));
  assert.deepEqual([next.outcome, next.status, text(next.stdout), text(next.stderr)], ['complete', 0, BEFORE + CLEAN, WARNING]);
});

test('through the worker pool: the crash is the run\'s result, the worker stays and serves the next run', async () => {
  const inst = PythonInstance.cold(module, layers);
  const pool = await WorkerPool.start({ workers: 1, queueLimit: 4, module, files: [], snapshot: inst.snapshot() });
  try {
    for (let i = 0; i < 2; i++) {
      const r = await pool.run(request('throw'));
      assert.deepEqual([r.outcome, r.status, text(r.stdout), text(r.stderr)], ['crashed', -6, BEFORE, WARNING]);
      assert.doesNotMatch(r.detail ?? '', /host error/);
      const next = await pool.run(request('clean'));
      assert.deepEqual([next.outcome, next.status, text(next.stdout)], ['complete', 0, BEFORE + CLEAN]);
    }
    assert.equal(pool.stats().replacements, 0);
    assert.equal(pool.stats().workers, 1);
  } finally {
    await pool.close();
  }
});
