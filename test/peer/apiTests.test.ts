// codejail-service's black-box api_tests against the real service, unmodified, started with the
// documented example configuration for "reasonable limits" (deploy/examples/reasonable-limits.json,
// as the suite's README asks) and CJS_TEST_ENV_LEAKAGE=yes in the service's own environment, so
// that the leakage test can see a leak. test_support_matplotlib is deselected: matplotlib is not
// in the sandbox (README, "What differs from codejail").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startService, type RunningService } from '../support/service.js';
import { failedTests, REPO, runSuite, suitesMissing } from './suites.js';

const skip = suitesMissing('codejail-service-api-tests');
const NOT_IN_SANDBOX = ['api_tests/test_sandbox_deps.py::test_support_matplotlib'];
/** Tests known to fail in some setting, each with the reason; a failure not listed here fails this test. */
const KNOWN_FAILING: Record<string, string> = {
  'api_tests/test_memory.py::test_deny_large_allocate':
    'on a loaded machine (failed in full-suite runs on Node 26 at load average ~10-20 on 2 cores): the 512 MiB allocated '
    + 'before VMEM\'s MemoryError take ~2 s of CPU (the runtime grows its memory 64 KiB at a time; on Node 20, V8 11 also '
    + 'runs a full GC on each memory.grow) and the sandbox threads run at nice 10, so REALTIME (3 s) ends the run first',
};
let service: RunningService;
before(async () => {
  if (skip) return;
  service = await startService({
    CODEJAIL_WASM_CONFIG: join(REPO, 'deploy', 'examples', 'reasonable-limits.json'),
    CJS_TEST_ENV_LEAKAGE: 'yes',
  });
});
after(async () => {
  if (!skip) await service.stop();
});

test('codejail-service\'s api_tests pass against the service (all 43 but test_support_matplotlib; known failures named)', { skip }, async (t) => {
  const r = await runSuite('codejail-service-api-tests',
    [service.url, ...NOT_IN_SANDBOX.flatMap((id) => ['--deselect', id])], {}, /^\d+ passed, \d+ failed/);
  t.diagnostic(`peer-suite: codejail-service api_tests vs the service, ${r.closing} (deselected: ${NOT_IN_SANDBOX.join(', ')})`);
  const failed = failedTests(r.output);
  for (const id of failed) t.diagnostic(`failed: ${id}${KNOWN_FAILING[id] ? ` (known: ${KNOWN_FAILING[id]})` : ''}`);
  assert.deepEqual(failed.filter((id) => !KNOWN_FAILING[id]), [], r.output);
  const counts = /^(\d+) passed, (\d+) failed$/.exec(r.closing);
  assert.ok(counts, r.output);
  assert.equal(Number(counts[1]) + Number(counts[2]), 43 - NOT_IN_SANDBOX.length, r.output);
  assert.equal(Number(counts[2]), failed.length, r.output);
});
