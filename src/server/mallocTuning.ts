// glibc's malloc, told to give large blocks back. By default its mmap threshold is dynamic: once a
// block served by mmap is freed, blocks up to that size (up to 32 MiB) come from the thread's
// arena instead, and an arena keeps what is freed. A run's files (1 MiB pages, up to the disk
// quota) and big request bodies are such blocks, each worker thread has its own arena, so every
// worker kept the most its runs ever held: six workers under four concurrent quota-filling
// requests grew the service by +373-380 MiB where four runs hold 256 MiB (issue #19,
// `npm run bench:hostile`). A fixed threshold turns the dynamic one off, so those blocks are
// mapped and unmapped and the memory goes back when a run ends. The setting is read when the
// process starts, so the service re-executes itself once with it (same pid).

/** The environment the service runs with: the caller's, with a fixed mmap threshold unless an
 * operator already chose one. */
export function mallocTunedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | null {
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (tunables.includes('glibc.malloc.mmap_threshold')) return null;
  // 128 KiB: glibc's own starting value, kept fixed.
  const setting = 'glibc.malloc.mmap_threshold=131072';
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${setting}` : setting };
}

/** Re-executes this process with mallocTunedEnv's environment, where that changes anything and
 * the platform can (Linux, Node with process.execve: 22.15 and later); otherwise returns. */
export function ensureMallocTuning(): void {
  // Not in the @types/node the project pins (20.x): Node 22.15 added it.
  const { execve } = process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };
  if (process.platform !== 'linux' || typeof execve !== 'function') return;
  const env = mallocTunedEnv(process.env);
  if (!env) return;
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}
