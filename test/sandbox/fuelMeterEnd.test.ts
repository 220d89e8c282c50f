// The end of a run is final (src/sandbox/fuel.ts FuelMeter): C++'s `catch (...)` compiles to a
// wasm catch_all, which also catches what the host throws to end a run (scipy's HiGHS and
// pybind11 code has such handlers). A guest that catches the end and carries on must meet it
// again at its next check or host call, and never get fuel again. The module below is such a
// guest, run through the post-link pipeline with the meter wired as PythonInstance wires it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FuelExhausted, FuelMeter } from '../../src/sandbox/fuel.js';
import { HostFuelExhausted, RealtimeExceeded } from '../../src/sandbox/wasi/WasiHost.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { emitWithExceptionHandling, instantiatePostlinked, postlink } from '../support/postlink.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const { WEIGHTS } = await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'instrument-fuel.mjs')).href) as { WEIGHTS: Record<string, number> };
const I32 = binaryen.i32;
const NONE = binaryen.none;
const HOST_CALL_FUEL = 10;

/**
 * spin(limit, mode) -> i32 over locals caught (2), i (3):
 *   do {
 *     try { do { i++; host_work(mode) } while (i < 1e6) }
 *     catch (...) { caught++; mem[16] = caught; host_work(0) }   -- a handler that logs a line
 *   } while (caught < limit)
 *   return caught
 */
function catchingModule(): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.ExceptionHandling);
  m.setMemory(1, 1, 'mem', [], false, false, 'mem');
  m.addGlobal('sp', I32, true, m.i32.const(1024)); // the C stack pointer clang's modules have
  m.addFunctionImport('host_work', 'env', 'host_work', binaryen.createType([I32]), NONE);
  const get = (x: number) => m.local.get(x, I32);
  m.addFunction('spin', binaryen.createType([I32, I32]), I32, [I32, I32], m.block(null, [
    m.loop('outer', m.block(null, [
      m.try('t', m.loop('inner', m.block(null, [
        m.local.set(3, m.i32.add(get(3), m.i32.const(1))),
        m.call('host_work', [get(1)], NONE),
        m.br('inner', m.i32.lt_s(get(3), m.i32.const(1_000_000))),
      ])), [], [m.block(null, [
        m.local.set(2, m.i32.add(get(2), m.i32.const(1))),
        m.i32.store(0, 4, m.i32.const(16), get(2), 'mem'),
        m.call('host_work', [m.i32.const(0)], NONE),
      ])]),
      m.br('outer', m.i32.lt_s(get(2), get(0))),
    ])),
    get(2),
  ], I32));
  m.addFunctionExport('spin', 'spin');
  return emitWithExceptionHandling(m);
}

const { fuel: fueled } = postlink(catchingModule());

/** The guest with a meter wired as PythonInstance wires it: the fuel slow path, and host work
 * charged as WasiHost.charge does (mode 1: at the 50th call the host ends the run on REALTIME,
 * as a sleep past it does; mode 2: host calls cost nothing). */
function guest(opts: { budget: bigint | null; deadline: number | null }) {
  let meter!: FuelMeter;
  let hostCalls = 0;
  const g = instantiatePostlinked(fueled, () => meter.exhausted(), {
    host_work: (mode: number) => {
      hostCalls++;
      if (mode === 1 && hostCalls === 50) throw meter.end(new RealtimeExceeded());
      if (!meter.charge(mode === 2 ? 0 : HOST_CALL_FUEL)) throw meter.end(new HostFuelExhausted());
    },
  });
  meter = new FuelMeter(g.exports.fuel, { ...opts, slice: 1000n });
  const caught = () => new DataView(g.memory.buffer).getInt32(16, true);
  return { g, meter, caught, hostCalls: () => hostCalls };
}

test('a guest that catches the REALTIME end and calls the host in its handler is not refilled: the run ends at the handler', () => {
  // The deadline has passed: the first slice's end is REALTIME. Without a sticky end, the
  // handler's host call refilled the counter, and the guest ran slice after slice.
  const { g, meter, caught } = guest({ budget: null, deadline: performance.now() - 1 });
  assert.throws(() => g.exports.spin(20, 0), RealtimeExceeded);
  assert.equal(caught(), 1, 'the guest went on after catching the end of its run');
  assert.ok(meter.endedBy() instanceof RealtimeExceeded);
});

test('an end the host throws from a host call (a sleep past REALTIME) is rethrown at the next check, with fuel left in the slice', () => {
  const { g, meter, caught, hostCalls } = guest({ budget: null, deadline: performance.now() + 60_000 });
  assert.throws(() => g.exports.spin(20, 1), RealtimeExceeded);
  assert.equal(caught(), 1);
  // The 50th call ended the run; the handler's own host call (the 51st) threw it again.
  assert.equal(hostCalls(), 51);
  assert.ok(meter.endedBy() instanceof RealtimeExceeded);
  assert.ok(g.exports.fuel.value < 0n, 'the counter was left where the next check would not call the host');
});

test('after the CPU budget ends a run, the fuel used stays what it was, every later check and host call ends it again, and the first end is kept', () => {
  // The host call that the budget cannot pay for ends the run (budget + 1 used: the host takes no more than is left).
  const { g, meter, caught } = guest({ budget: 5_000n, deadline: null });
  assert.throws(() => g.exports.spin(20, 0), HostFuelExhausted);
  assert.equal(caught(), 1);
  assert.equal(meter.used(), 5_001n);
  // A later entry into the guest meets the end at its first check.
  assert.throws(() => g.exports.spin(20, 0), HostFuelExhausted);
  assert.equal(caught(), 1, 'a later call ran the guest again');
  assert.equal(meter.charge(0), false, 'the meter accepted host work after the end');
  assert.throws(() => meter.exhausted(), HostFuelExhausted);
  assert.ok(meter.end(new RealtimeExceeded()) instanceof HostFuelExhausted, 'a second end replaced the first');
  assert.equal(meter.used(), 5_001n);
});

test('a guest whose own check ends the run on CPU, and that catches it, never gets fuel again', () => {
  // No host call in the loop (mode 2 only counts): the end is the check's FuelExhausted.
  const { g, meter, caught } = guest({ budget: 5_000n, deadline: null });
  assert.throws(() => g.exports.spin(20, 2), FuelExhausted);
  assert.equal(caught(), 1);
  // A check charges the code it guards (fuel-costs.mjs): the run ends past the budget by less
  // than the largest charge, the inner loop body's (6 locals, 2 alu, a call, a br_if).
  const w = WEIGHTS;
  const largest = BigInt(6 * w.local + 2 * w.alu + w.call + w.branch);
  const used = meter.used();
  assert.ok(used > 5_000n && used <= 5_000n + largest, `used ${used}`);
  assert.ok(meter.endedBy() instanceof FuelExhausted);
  const again = guest({ budget: 5_000n, deadline: null });
  assert.throws(() => again.g.exports.spin(20, 2), FuelExhausted);
  assert.equal(again.meter.used(), used, 'the same run used other fuel');
});
