// The profile-guided build runs python-wasm/pgo/train.py in the instrumented reactor
// (python-wasm/scripts/build.sh, ADR 0001); the build stops if the script fails. It must also
// compute what native CPython computes, or the profile would describe the wrong paths.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';
import type { Jail } from '../../src/jail/jail.js';
import { sameAsNative, startJail } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 1 });
});
after(async () => {
  await jail.close();
});

test('the PGO training script gives native CPython\'s results in the sandbox', async () => {
  const train = readFileSync(join(repoRoot(), 'python-wasm', 'pgo', 'train.py'), 'utf8');
  // The script itself prints only a length; compare everything it computed.
  // Limits far above the work: on a loaded machine codejail's 1 s became the watchdog's -9.
  const out = await sameAsNative(jail, `${train}\nprint(repr(results))\n`, ' (python-wasm/pgo/train.py)', { CPU: 30, REALTIME: 60 });
  assert.match(out, /^\d+\n\[\(/);
});
