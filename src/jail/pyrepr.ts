// Python's repr() for bytes and str, byte for byte, for texts codejail builds with %r / !r.

/** What repr() writes for each byte inside a bytes literal quoted with `quote`: its length
 * (1 to 4) and its characters, 4 slots per byte. */
function byteEscapes(quote: number): { len: Uint8Array; text: Uint8Array } {
  const len = new Uint8Array(256);
  const text = new Uint8Array(256 * 4);
  for (let b = 0; b < 256; b++) {
    let e: string;
    if (b === quote || b === 0x5c) e = '\\' + String.fromCharCode(b);
    else if (b === 0x09) e = '\\t';
    else if (b === 0x0a) e = '\\n';
    else if (b === 0x0d) e = '\\r';
    else if (b < 0x20 || b >= 0x7f) e = '\\x' + b.toString(16).padStart(2, '0');
    else e = String.fromCharCode(b);
    len[b] = e.length;
    for (let k = 0; k < e.length; k++) text[b * 4 + k] = e.charCodeAt(k);
  }
  return { len, text };
}
const ESCAPES = { 0x27: byteEscapes(0x27), 0x22: byteEscapes(0x22) } as const;

/** repr(b'...') exactly as CPython 3 prints it. */
export function pyBytesRepr(bytes: Uint8Array): string {
  return pyBytesReprPrefix(bytes, Infinity).repr;
}

/**
 * repr() of the longest prefix of `bytes` whose repr fits in `maxChars` characters (quotes and
 * the b included), and how many bytes that prefix holds. Linear: the text is built as bytes
 * (a repr is ASCII), never by appending to a string byte after byte.
 */
export function pyBytesReprPrefix(bytes: Uint8Array, maxChars: number): { repr: string; shown: number } {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of bytes) {
    if (b === 0x27) hasSingle = true;
    else if (b === 0x22) hasDouble = true;
    if (hasSingle && hasDouble) break;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  const { len, text } = ESCAPES[quote];
  const end = Math.max(2, Math.min(maxChars, 3 + 4 * bytes.length) - 1); // where the closing quote may go
  const out = Buffer.allocUnsafe(end + 1);
  out[0] = 0x62; // b
  out[1] = quote;
  let n = 2;
  let shown = 0;
  for (; shown < bytes.length; shown++) {
    const b = bytes[shown]!;
    const l = len[b]!;
    if (n + l > end) break;
    if (l === 1) {
      out[n++] = b;
    } else {
      for (let k = 0; k < l; k++) out[n++] = text[b * 4 + k]!;
    }
  }
  out[n++] = quote;
  return { repr: out.toString('latin1', 0, n), shown };
}

// Characters str.isprintable() rejects (all of Other and Separator except the space).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** repr(str) as CPython 3 prints it (printability from the JS engine's Unicode tables). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f || ch === ' ') out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}
