// Course exports (course.tar.gz) read into memory with node-tar's parser: ustar, GNU and pax
// headers, gzip detected and inflated as a stream. Only regular files are returned; links,
// devices and directories are skipped. Limits against archive bombs are checked on each
// member's header, before its data is kept.
import { Parser, type ReadEntry } from 'tar';

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

/** Limits against archive bombs. */
export interface TarLimits {
  maxFiles: number;
  maxTotalBytes: number;
}
const DEFAULT_TAR_LIMITS: TarLimits = { maxFiles: 20_000, maxTotalBytes: 512 * 1024 * 1024 };

const REGULAR_FILE = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Normalise an archive member path: no leading './' or '/', no '..' (rejected). */
export function normaliseMemberPath(p: string): string | null {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return null;
  return parts.join('/');
}

/** Read a .tar.gz (or plain .tar) into path -> bytes (regular files only). */
export function readTarGz(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  let failure: TarError | undefined;
  const refuse = (message: string) => {
    failure ??= new TarError(message);
    parser.abort(failure);
  };
  const keep = (entry: ReadEntry): void => {
    if (failure || !REGULAR_FILE.has(entry.type)) return void entry.resume();
    const path = normaliseMemberPath(entry.path);
    if (path === null) return refuse(`unsafe member path '${entry.path}'`);
    if (path === '') return void entry.resume();
    total += entry.size ?? 0;
    if (files.size + 1 > limits.maxFiles) return refuse(`more than ${limits.maxFiles} files`);
    if (total > limits.maxTotalBytes) return refuse(`more than ${limits.maxTotalBytes} bytes`);
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => files.set(path, Buffer.concat(chunks)));
  };
  // strict: a damaged header, a bad checksum or a truncated archive is an error, not a warning.
  const parser = new Parser({ strict: true, onReadEntry: keep });
  parser.on('error', (e: Error) => {
    failure ??= e instanceof TarError ? e : new TarError(e.message);
  });
  // The parser works synchronously on a buffer written at once: every entry is read on return.
  parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (failure) throw failure;
  return files;
}
