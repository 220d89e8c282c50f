// The profile-guided build runs python-wasm/pgo/train.py in the instrumented reactor
// (python-wasm/scripts/build.sh, ADR 0001); the build stops if the script fails. It must also
// compute what native CPython computes, or the profile would describe the wrong paths.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

// The training boots compat/ as of python-wasm/pgo/compat-commit (build.sh), so that editing the
// driver does not change the profile and, with it, every runtime. A wrong or missing commit
// would fail only at the next runtime build; this says so now.
test('the commit the profile\'s training takes compat/ from is in the history and has a driver', (t) => {
  const root = repoRoot();
  const shallow = spawnSync('git', ['-C', root, 'rev-parse', '--is-shallow-repository'], { encoding: 'utf8' });
  if (shallow.status !== 0) {
    t.skip('not a git checkout');
    return;
  }
  const commit = readFileSync(join(root, 'python-wasm', 'pgo', 'compat-commit'), 'utf8').trim();
  assert.match(commit, /^[0-9a-f]{40}$/);
  const listing = spawnSync('git', ['-C', root, 'ls-tree', '--name-only', commit, 'compat/'], { encoding: 'utf8' });
  if (listing.status !== 0 && shallow.stdout.trim() === 'true') {
    t.skip('a shallow clone: the commit is not in it');
    return;
  }
  assert.equal(listing.status, 0, listing.stderr);
  assert.ok(listing.stdout.split('\n').includes('compat/_cj_driver.py'), listing.stdout);
});
