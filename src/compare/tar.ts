// A small reader for (gzipped) tar archives, enough for Open edX course exports
// (course.tar.gz): ustar and GNU headers, pax extended headers (path), GNU long names.
// Only regular files are returned; links, devices and directories are skipped.
import { gunzipSync } from 'node:zlib';

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

function cstr(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return Buffer.from(b.subarray(off, end)).toString('utf8');
}

function octal(b: Uint8Array, off: number, len: number): number {
  if (b[off]! & 0x80) {
    // GNU base-256 encoding.
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cstr(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`bad octal field '${s}'`);
  return parseInt(s, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Buffer.from(data).toString('utf8');
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    // The length counts bytes; records are ASCII-dominated, so slice by bytes to be exact.
    const recBytes = Buffer.from(text.slice(i)).subarray(0, len).toString('utf8');
    const rec = recBytes.slice(recBytes.indexOf(' ') + 1).replace(/\n$/, '');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += recBytes.length;
  }
  return out;
}

/** Normalise an archive member path: no leading './' or '/', no '..' (rejected). */
export function normaliseMemberPath(p: string): string | null {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return null;
  return parts.join('/');
}

/** Read an uncompressed tar archive into path -> bytes (regular files only). */
export function readTar(tar: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let off = 0;
  let total = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  let globalPaxPath: string | null = null;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break; // end-of-archive marker
    const name = cstr(h, 0, 100);
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const magic = cstr(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
    const dataStart = off + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw new TarError('truncated archive');
    const data = tar.subarray(dataStart, dataEnd);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = cstr(data, 0, data.length); continue; }
    if (type === 'x') { paxPath = parsePax(data).path ?? null; continue; }
    if (type === 'g') { globalPaxPath = parsePax(data).path ?? globalPaxPath; continue; }
    const fullName = paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    longName = null;
    paxPath = null;
    void globalPaxPath;
    if (type !== '0' && type !== '\0' && type !== '7') continue; // not a regular file
    const path = normaliseMemberPath(fullName);
    if (path === null) throw new TarError(`unsafe member path '${fullName}'`);
    if (path === '') continue;
    total += size;
    if (files.size + 1 > limits.maxFiles) throw new TarError(`more than ${limits.maxFiles} files`);
    if (total > limits.maxTotalBytes) throw new TarError(`more than ${limits.maxTotalBytes} bytes`);
    files.set(path, data);
  }
  return files;
}

/** Read a .tar.gz (or plain .tar) into path -> bytes. */
export function readTarGz(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): Map<string, Uint8Array> {
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const tar = isGzip ? gunzipSync(bytes, { maxOutputLength: limits.maxTotalBytes * 2 }) : bytes;
  return readTar(new Uint8Array(tar.buffer, tar.byteOffset, tar.byteLength), limits);
}

/** Write a ustar archive (regular files only; names up to 255 bytes via the prefix field). For tests and tools. */
export function writeTar(files: Iterable<[string, Uint8Array]>): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const [path, data] of files) {
    const h = new Uint8Array(512);
    const enc = (s: string, off: number, len: number): void => {
      const b = Buffer.from(s, 'utf8');
      if (b.length > len) throw new TarError(`field too long: ${s}`);
      h.set(b, off);
    };
    let name = path;
    let prefix = '';
    if (Buffer.byteLength(path) > 100) {
      const cut = path.lastIndexOf('/', 155);
      if (cut <= 0) throw new TarError(`path too long for ustar: ${path}`);
      prefix = path.slice(0, cut);
      name = path.slice(cut + 1);
    }
    enc(name, 0, 100);
    enc('0000644\0', 100, 8);
    enc('0000000\0', 108, 8);
    enc('0000000\0', 116, 8);
    enc(data.length.toString(8).padStart(11, '0') + '\0', 124, 12);
    enc('00000000000\0', 136, 12);
    h.fill(0x20, 148, 156); // checksum field counts as spaces
    h[156] = 0x30;
    enc('ustar\0', 257, 6);
    enc('00', 263, 2);
    enc(prefix, 345, 155);
    let sum = 0;
    for (const x of h) sum += x;
    enc(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    chunks.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  chunks.push(new Uint8Array(1024));
  return Buffer.concat(chunks);
}
