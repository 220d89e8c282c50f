// Fault injection for the test suites only: each switch makes a host step fail, or turns one of
// the sandbox's defences off so that the security cases depending on it can be seen to fail
// (test/reliability, test/security/sabotage-check.ts). They are read here and nowhere else, and
// an operator must never set one: startSandbox refuses to start with any of them set outside
// node's test runner (docs/security.md).

export const TEST_FAULT_SWITCHES = {
  /** Every Nth snapshot restore fails, as a restore that cannot allocate memory would (worker.ts). */
  failRestoreEvery: 'CODEJAIL_WASM_TEST_FAIL_RESTORE_EVERY',
  /** This many replacement worker starts fail, as starts that cannot get memory would (WorkerPool.ts). */
  failWorkerStarts: 'CODEJAIL_WASM_TEST_FAIL_WORKER_STARTS',
  /** '1': the host never ends a run by REALTIME itself, so only the watchdog can stop it (worker.ts). */
  stuckHost: 'CODEJAIL_WASM_TEST_STUCK_HOST',
  /** '1': host work is free (hostWork.ts). */
  unchargedHostWork: 'CODEJAIL_WASM_TEST_UNCHARGED_HOST_WORK',
  /** '1': a write's bytes are copied before FSIZE and the quota are checked (WasiHost.ts). */
  copyBeforeFsize: 'CODEJAIL_WASM_TEST_COPY_BEFORE_FSIZE',
  /** '1': an unlinked open file, or a file renamed onto itself, gives its quota charge back at once (InMemoryFs.ts). */
  earlyQuotaRefund: 'CODEJAIL_WASM_TEST_EARLY_QUOTA_REFUND',
  /** '1': inode numbers come from one counter for all runs of the worker (InMemoryFs.ts). */
  sharedInodeCounter: 'CODEJAIL_WASM_TEST_SHARED_INODE_COUNTER',
  /** '1': every path lookup first walks the whole tree (InMemoryFs.ts). */
  lookupWalksTree: 'CODEJAIL_WASM_TEST_LOOKUP_WALKS_TREE',
} as const;

/** A switch's value ('' when unset). */
export function testFault(name: keyof typeof TEST_FAULT_SWITCHES): string {
  return process.env[TEST_FAULT_SWITCHES[name]] ?? '';
}

/** Throws, naming them, when switches are set outside node's test runner, which marks the
 * processes it runs tests in (and what they start with its environment) with NODE_TEST_CONTEXT. */
export function refuseTestFaultsOutsideTests(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_TEST_CONTEXT) return;
  const set = Object.values(TEST_FAULT_SWITCHES).filter((name) => env[name]);
  if (set.length > 0) {
    throw new Error(`refusing to start: ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set; these switches turn sandbox `
      + 'defences off or inject failures for the test suites only (src/sandbox/testFaults.ts), never set them in production');
  }
}
