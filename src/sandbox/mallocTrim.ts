// glibc's malloc_trim(0), called from JavaScript. What V8's compiler threads and the workers
// allocate below the mmap threshold (server/mallocTuning.ts) comes from per-thread arenas, and a
// free() gives a page back only from an arena's top: compiling and tiering up the runtimes at
// start-up left 60-160 MiB of freed, still resident pages in the middle of the arenas of the
// service's idle process (ADR 0012). malloc_trim walks every arena and returns those pages.
// Through node:ffi (Node 26.1 and later); where that or glibc is missing, trimming does nothing.
import { createRequire } from 'node:module';

interface Ffi {
  dlopen(path: string, defs: Record<string, { arguments: string[]; return: string }>): { functions: Record<string, (...a: number[]) => number> };
}

let trim: (() => number) | null | undefined;

function load(): (() => number) | null {
  if (process.platform !== 'linux') return null;
  // node:ffi announces itself with an ExperimentalWarning on first use; this one call (a libc
  // function taking an integer) is all the service asks of it, so the operator's log is spared.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!/\bFFI\b/.test(String(warning))) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const ffi = createRequire(import.meta.url)('node:ffi') as Ffi;
    const { functions } = ffi.dlopen('libc.so.6', { malloc_trim: { arguments: ['uint64'], return: 'int32' } });
    const mallocTrim = functions.malloc_trim!;
    return () => mallocTrim(0);
  } catch {
    return null; // no node:ffi (Node before 26.1, --no-experimental-ffi), or no glibc (musl)
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Give the threads' freed malloc memory back to the system. True when glibc released some. */
export function trimMalloc(): boolean {
  if (trim === undefined) trim = load();
  return trim ? trim() === 1 : false;
}

/** Whether this process can trim (Linux with glibc, Node with node:ffi). */
export function canTrimMalloc(): boolean {
  if (trim === undefined) trim = load();
  return trim !== null;
}
