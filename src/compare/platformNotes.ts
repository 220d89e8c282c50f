// The known platform differences between native CPython (64-bit Linux) and CPython on
// wasm32-wasi that explain a difference between two results, flagged by name rather than hidden.
import type { SideResult } from './runners.js';

export interface PlatformNote {
  id: string;
  text: string;
}

const MAXSIZE_64 = '9223372036854775807';
const MAXSIZE_32 = '2147483647';

/**
 * Known platform differences that explain (part of) a difference. Checked on the code and on
 * both results; each note names the cause so a reader can judge whether it matters.
 */
export function platformNotes(code: string, legacy: SideResult, wasm: SideResult): PlatformNote[] {
  const notes: PlatformNote[] = [];
  const all = (r: SideResult): string => `${r.stdout}\n${r.stderr}\n${r.globals ?? ''}`;
  const L = all(legacy);
  const W = all(wasm);
  const add = (id: string, t: string): void => { if (!notes.some((n) => n.id === id)) notes.push({ id, text: t }); };
  if (/\bsys\.maxsize\b/.test(code) || (L.includes(MAXSIZE_64) && W.includes(MAXSIZE_32))) {
    add('maxsize', 'sys.maxsize: 2**63-1 natively, 2**31-1 on wasm32 (also bounds len(), range() indexes, struct "n"/"P")');
  }
  if (/\bhash\s*\(/.test(code) || /__hash__/.test(code)) {
    add('hash', 'hash(): 64-bit and randomised per process natively (-E ignores PYTHONHASHSEED), 32-bit on wasm32');
  }
  if (/\bid\s*\(/.test(code)) add('id', 'id(): object addresses differ between processes and platforms');
  const errnos = (s: string): string => [...s.matchAll(/\[Errno (\d+)\]/g)].map((m) => m[1]).join(',');
  if (errnos(L) !== errnos(W) || (/\berrno\b/.test(code) && L !== W)) {
    add('errno', 'errno numbers differ between the two sides (the runtime translates WASI numbers to Linux ones; a difference here is unexpected)');
  }
  if (/\bsys\.platform\b|\bos\.uname\b|\bplatform\.|\bos\.name\b|\bsys\.version\b|\bsysconfig\b/.test(code) || (L.includes('linux') && W.includes('wasi'))) {
    add('platform', "platform identification: sys.platform is 'wasi' vs 'linux'; sys.version names the compiler (clang vs GCC)");
  }
  if (/\bos\.environ\b|\bgetenv\b|\blocale\b/.test(code)) {
    add('environ', 'environment: os.environ / locale may differ (native CPython adds LC_CTYPE=C.UTF-8 by C-locale coercion)');
  }
  const encodingTrouble = /'ascii' codec can't (en|de)code|surrogates not allowed/;
  if (encodingTrouble.test(W) && !encodingTrouble.test(L)) {
    add('encoding', 'text encoding: the sandbox runs with ASCII stdio / filesystem encoding where native CPython uses UTF-8 (C-locale coercion, UTF-8 mode); likely a sandbox defect, not inherent');
  }
  const missing = (t: string): Set<string> => new Set([...t.matchAll(/ModuleNotFoundError: No module named '([^']+)'/g)].map((m) => m[1]!));
  const ml = missing(L);
  const mw = missing(W);
  for (const m of mw) if (!ml.has(m)) add(`module:${m}`, `module '${m}' is not available in the sandbox but is installed natively`);
  for (const m of ml) if (!mw.has(m)) add(`module:${m}`, `module '${m}' is available in the sandbox but not installed natively`);
  if (/\btime\.(time|perf_counter|monotonic|process_time)\b|\bdatetime\.(datetime\.)?(now|today|utcnow)\b|\bdate\.today\b/.test(code)) {
    add('clock', 'clocks: wall-clock and timing values differ between runs');
  }
  if (/\bos\.getpid\b|\bos\.getppid\b|\bos\.get[ug]id\b|\bgetpass\b|\bpwd\b/.test(code)) {
    add('process', 'process identity (pid, uid) differs; the sandbox has no processes or users');
  }
  if (/\bsys\.getsizeof\b|\bstruct\.calcsize\b|\bctypes\b/.test(code)) {
    add('sizes', 'object and C type sizes differ on a 32-bit platform (sys.getsizeof, struct.calcsize)');
  }
  if (/\b(subprocess|multiprocessing|threading|socket|urllib|http\.client|requests)\b/.test(code)) {
    add('os-services', 'processes, threads and network do not exist in the sandbox (codejail forbids them by AppArmor)');
  }
  // numpy on wasm32: C long is 32 bits, so np.int_ (the default integer of arange, sum, array of
  // ints, ...) is int32 and wraps where native int64 does not; no FP status flags either.
  if (/\bnumpy\b|\bnp\./.test(code) && L !== W && !/No module named 'numpy'/.test(L + W)) {
    add('numpy-int32', 'numpy: the default integer (np.int_) is int32 on wasm32 and int64 natively, so integer results past 2**31 wrap; floating-point errors never warn (no FP flags)');
  }
  if (/\bset\s*\(|\bfrozenset\s*\(|\{[^{}:]+\}/.test(code) && !notes.some((n) => n.id === 'hash')) {
    // Only a hint: string-keyed set ordering follows hash() and so varies natively between runs.
    if (L !== W && /\{'|\{"|set\(\[/.test(L + W)) add('set-order', 'set iteration order of str/bytes follows hash(), which is randomised natively');
  }
  return notes;
}
