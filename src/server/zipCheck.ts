// Inspection of an uploaded python_lib.zip before the request is queued: it must be a
// well-formed zip that Python's zipimport can read (stored or deflated members, no encryption),
// with no absolute or '..' member names, and it must not be a decompression bomb. The limits
// are checked on the central directory's claims first, before any inflation; then each member
// is inflated as a stream (on libuv's thread pool, output discarded chunk by chunk, stopped at
// its claimed size) to check that the claims are true. So a check holds at most one chunk of
// inflated data, whatever the archive says or hides.
import { crc32, createInflateRaw } from 'node:zlib';

export interface ZipLimits {
  /** Maximum number of members. */
  maxEntries: number;
  /** Maximum total uncompressed size of all members, bytes. */
  maxUncompressedBytes: number;
  /** Maximum ratio of total uncompressed size to archive size. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxRatio: 200,
};

export class ZipCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipCheckError';
  }
}

export interface ZipSummary {
  entries: number;
  uncompressedBytes: number;
}

/** Is `name` unsafe as a member name: absolute, drive-qualified, containing '..' segments or NUL? */
export function unsafeMemberName(name: string): string | null {
  if (name.length === 0) return 'empty member name';
  if (name.includes('\0')) return 'member name contains NUL';
  if (name.startsWith('/') || name.startsWith('\\')) return `absolute member name ${JSON.stringify(name)}`;
  if (/^[A-Za-z]:/.test(name)) return `drive-qualified member name ${JSON.stringify(name)}`;
  if (name.split(/[/\\]/).includes('..')) return `member name with '..' ${JSON.stringify(name)}`;
  return null;
}

/**
 * Validate `data` as python_lib.zip. Throws ZipCheckError with a message suitable for a 400.
 */
export async function checkZip(data: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipSummary> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = buf.length;
  if (n < 22) throw new ZipCheckError('python_lib.zip is not a zip file');
  // End of central directory record: scan backwards over a possible archive comment.
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50 && i + 22 + buf.readUInt16LE(i + 20) === n) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipCheckError('python_lib.zip is not a zip file');
  const diskNo = buf.readUInt16LE(eocd + 4);
  const cdDisk = buf.readUInt16LE(eocd + 6);
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new ZipCheckError('python_lib.zip: ZIP64 archives are not supported');
  }
  if (diskNo !== 0 || cdDisk !== 0) throw new ZipCheckError('python_lib.zip: multi-disk archives are not supported');
  if (count > limits.maxEntries) {
    throw new ZipCheckError(`python_lib.zip has too many members (${count} > ${limits.maxEntries})`);
  }
  if (cdOffset + cdSize > eocd) throw new ZipCheckError('python_lib.zip is corrupt (central directory out of bounds)');

  let p = cdOffset;
  let total = 0;
  const members: { name: string; method: number; crc: number; csize: number; usize: number; dataStart: number }[] = [];
  for (let k = 0; k < count; k++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50) {
      throw new ZipCheckError('python_lib.zip is corrupt (bad central directory entry)');
    }
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const nameEnd = p + 46 + nameLen;
    if (nameEnd + extraLen + commentLen > eocd) throw new ZipCheckError('python_lib.zip is corrupt (entry out of bounds)');
    // Names are UTF-8 when flag bit 11 is set, cp437 otherwise; for the safety checks below
    // latin1 is enough ('/', '\\', '.', ':' and NUL are the same bytes in both).
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, nameEnd);
    const bad = unsafeMemberName(name);
    if (bad) throw new ZipCheckError(`python_lib.zip: ${bad}`);
    if (flags & 0x1) throw new ZipCheckError(`python_lib.zip: encrypted member ${JSON.stringify(name)}`);
    if (method !== 0 && method !== 8) {
      throw new ZipCheckError(`python_lib.zip: member ${JSON.stringify(name)} uses unsupported compression method ${method}`);
    }
    if (csize === 0xffffffff || usize === 0xffffffff || localOffset === 0xffffffff) {
      throw new ZipCheckError('python_lib.zip: ZIP64 archives are not supported');
    }
    total += usize;
    if (total > limits.maxUncompressedBytes) {
      throw new ZipCheckError(
        `python_lib.zip is too large when uncompressed (more than ${limits.maxUncompressedBytes} bytes)`,
      );
    }
    if (total > limits.maxRatio * n) {
      throw new ZipCheckError(`python_lib.zip has a suspicious compression ratio (over ${limits.maxRatio}:1)`);
    }
    // Local header, then the data.
    if (localOffset + 30 > cdOffset || buf.readUInt32LE(localOffset) !== 0x04034b50) {
      throw new ZipCheckError(`python_lib.zip is corrupt (bad local header for ${JSON.stringify(name)})`);
    }
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (dataStart + csize > cdOffset) throw new ZipCheckError(`python_lib.zip is corrupt (data out of bounds for ${JSON.stringify(name)})`);
    if (method === 0 && csize !== usize) throw new ZipCheckError(`python_lib.zip is corrupt (size mismatch for ${JSON.stringify(name)})`);
    members.push({ name, method, crc, csize, usize, dataStart });
    p = nameEnd + extraLen + commentLen;
  }
  // Every claim is within the limits: now check that the claims are true.
  for (const m of members) {
    const raw = buf.subarray(m.dataStart, m.dataStart + m.csize);
    const actual = m.method === 0 ? { bytes: raw.length, crc: crc32(raw) >>> 0 } : await inflatedSizeAndCrc(raw, m.usize);
    if (actual === null || actual.bytes !== m.usize) {
      throw new ZipCheckError(`python_lib.zip is corrupt or lies about its sizes (member ${JSON.stringify(m.name)})`);
    }
    if (actual.crc !== m.crc) throw new ZipCheckError(`python_lib.zip is corrupt (CRC mismatch for ${JSON.stringify(m.name)})`);
  }
  return { entries: count, uncompressedBytes: total };
}

/** Inflate a raw deflate stream chunk by chunk, keeping only its length and CRC-32; stops (null)
 * as soon as it yields more than `claimed` bytes or turns out corrupt. */
function inflatedSizeAndCrc(raw: Uint8Array, claimed: number): Promise<{ bytes: number; crc: number } | null> {
  return new Promise((resolve) => {
    const inflate = createInflateRaw();
    let bytes = 0;
    let crc = 0;
    let done = false;
    const finish = (r: { bytes: number; crc: number } | null) => {
      if (done) return;
      done = true;
      inflate.destroy();
      resolve(r);
    };
    inflate.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > claimed) return finish(null);
      crc = crc32(chunk, crc);
    });
    inflate.on('end', () => finish({ bytes, crc: crc >>> 0 }));
    inflate.on('error', () => finish(null));
    inflate.end(raw);
  });
}
