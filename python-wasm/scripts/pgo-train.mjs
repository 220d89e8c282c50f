// Training run of the profile-guided build: runs python-wasm/pgo/train.py once in the
// instrumented reactor, under our WASI host (in-memory filesystem, deterministic clock and
// seeded randomness, so the same module gives the same profile bytes), and writes the raw
// profile for llvm-profdata.
//
// usage: node pgo-train.mjs INSTRUMENTED.wasm DIST-DIR TRAIN.py OUT.profraw [ROOT]
// (DIST-DIR holds the python311.zip of this build; the host comes from the compiled dist/; the
// compat/ modules from ROOT/compat, by default the repository's: build.sh pins them.)
import { readFileSync, writeFileSync } from 'node:fs';
import { loadBaseImage } from '../../dist/src/runtime/baseImage.js';
import { imageFiles } from '../../dist/src/runtime/image.js';
import { imageTree } from '../../dist/src/sandbox/imageTree.js';
import { PythonInstance } from '../../dist/src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../../dist/src/jail/jailRun.js';
import { checkJailCodeRequest } from '../../dist/src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../../dist/src/jail/limits.js';

const [wasm, dist, train, out, root] = process.argv.slice(2);
if (!wasm || !dist || !train || !out) {
  console.error('usage: pgo-train.mjs INSTRUMENTED.wasm DIST-DIR TRAIN.py OUT.profraw [ROOT]');
  process.exit(2);
}
const image = loadBaseImage({ root, dist, wasm: readFileSync(wasm), verify: false });
const inst = PythonInstance.cold(new WebAssembly.Module(image.wasmBytes), imageTree(imageFiles(image)));
const limits = effectiveLimits(defaultPolicy(), null, { CPU: 0, REALTIME: 0 });
const run = buildJailRun(checkJailCodeRequest({ command: 'python', code: readFileSync(train, 'utf8') }), limits, DEFAULT_RUN_SETTINGS, 1);
const r = inst.run(run, { deterministicClock: true });
if (r.status !== 0) {
  console.error(Buffer.from(r.stderr).toString());
  throw new Error(`training run ended with status ${r.status}`);
}
const profile = inst.exportedBuffer('cj_profile_dump', 'cj_profile_size');
if (!profile) throw new Error('the module has no profile to dump (not built with -fprofile-generate?)');
writeFileSync(out, profile);
console.log(`pgo-train: ${profile.length} bytes of raw profile`);
