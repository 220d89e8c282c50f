// The post-link pipeline every build script runs on a linked reactor (base runtime, numpy
// variant, the profile-guided build's instrumented reactor):
//
//   node postlink.mjs IN.wasm OUT-fuel.wasm OUT-nofuel.wasm
//
// 1. instrument-fuel.mjs: fuel metering (OUT-fuel) and the same round trip without it
//    (OUT-nofuel, the baseline for measuring fuel's cost); exports the mutable globals.
// 2. dirty-chunks.mjs on both: the store barrier that lets a worker restore only the memory a
//    run changed (docs/adr/0004). It runs after fuel so that fuel never counts the barrier's
//    own stores. In the weighted fuel model the barrier of OUT-fuel also keeps the marks the
//    host counts to charge memory a run touches above its starting size (TOUCH_CHUNK).
// 3. branch-hints.mjs on OUT-fuel: every fuel check's host call marked unlikely, so that the
//    engine compiles it out of line (docs/adr/0003); it changes no instruction. It fails the
//    build if any call of the slow path is not such a guarded check.
// Deterministic: the same input gives the same bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { addDirtyChunkMarks, BARRIER_FEATURES, DEFAULT_CHUNK_SHIFT } from './dirty-chunks.mjs';
import { hintUnlikelyCalls } from './branch-hints.mjs';
import { EXHAUSTED, fuelModel, TOUCH_CHUNK } from './instrument-fuel.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [input, outFuel, outPlain] = process.argv.slice(2);
if (!input || !outFuel || !outPlain) {
  console.error('usage: postlink.mjs IN.wasm OUT-fuel.wasm OUT-nofuel.wasm');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'cjw-postlink-'));
try {
  const fuel = join(work, 'fuel.wasm');
  const plain = join(work, 'nofuel.wasm');
  execFileSync(process.execPath, [join(here, 'instrument-fuel.mjs'), input, fuel, plain], { stdio: 'inherit' });
  for (const [from, to] of [[fuel, outFuel], [plain, outPlain]]) {
    const m = binaryen.readBinary(readFileSync(from));
    // (exception handling kept where the module declares it, as instrument-fuel.mjs does)
    m.setFeatures(BARRIER_FEATURES | (m.getFeatures() & binaryen.Features.ExceptionHandling));
    const touch = to === outFuel && fuelModel() === 'weighted' ? { perChunk: TOUCH_CHUNK } : null;
    const stats = addDirtyChunkMarks(m, { chunkShift: DEFAULT_CHUNK_SHIFT, touch });
    if (!m.validate()) throw new Error(`${to}: the module with the store barrier does not validate`);
    let bytes = m.emitBinary();
    m.dispose();
    if (to === outFuel) {
      const hinted = hintUnlikelyCalls(bytes, EXHAUSTED);
      bytes = hinted.bytes;
      console.log(`branch hints (${to.split('/').pop()}): ${hinted.marked} fuel checks' host calls marked unlikely`);
    }
    writeFileSync(to, bytes);
    console.log(`dirty chunks (${to.split('/').pop()}): ${stats.stores} stores, ${stats.storeMarks} marked at the store, ` +
      `${stats.defMarks} at a definition, ${stats.entryMarks} at function entry, ${stats.rangeMarks} ranges`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
