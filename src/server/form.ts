// multipart/form-data and application/x-www-form-urlencoded bodies (what DRF's MultiPartParser
// and FormParser accept), with size limits. Fields and files are keyed by field name; a
// repeated name keeps the last value (Django's QueryDict.get / request.FILES semantics).
import busboy from 'busboy';
import type { Request } from 'express';

export interface ParsedForm {
  fields: Map<string, string>;
  /** Parts with a filename, by field name. */
  files: Map<string, Buffer>;
}

export class FormError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'FormError';
  }
}

export function isFormContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const t = ct.split(';')[0].trim().toLowerCase();
  return t === 'multipart/form-data' || t === 'application/x-www-form-urlencoded';
}

export function parseForm(req: Request, maxBytes: number): Promise<ParsedForm> {
  const fields = new Map<string, string>();
  const files = new Map<string, Buffer>();
  const ct = req.headers['content-type'];
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new FormError(413, `request body too large (limit ${maxBytes} bytes)`));
  }
  if (!ct || req.headers['content-length'] === '0') {
    req.resume();
    return Promise.resolve({ fields, files });
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (e: FormError) => {
      if (done) return;
      done = true;
      req.unpipe();
      req.resume(); // discard the rest of the body
      reject(e);
    };
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defCharset: 'utf8',
        limits: { fieldSize: maxBytes, fileSize: maxBytes, fields: 100, files: 20, parts: 200 },
      });
    } catch (e) {
      reject(new FormError(400, `Malformed form body: ${(e as Error).message}`));
      return;
    }
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) fail(new FormError(413, `request body too large (limit ${maxBytes} bytes)`));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) {
        fail(new FormError(413, `form field ${JSON.stringify(name)} too large (limit ${maxBytes} bytes)`));
        return;
      }
      fields.set(name, value);
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new FormError(413, `uploaded file ${JSON.stringify(name)} too large (limit ${maxBytes} bytes)`)));
      stream.on('end', () => {
        if (!done) files.set(name, Buffer.concat(chunks));
      });
    });
    bb.on('partsLimit', () => fail(new FormError(413, 'too many parts in form body')));
    bb.on('filesLimit', () => fail(new FormError(413, 'too many files in form body')));
    bb.on('fieldsLimit', () => fail(new FormError(413, 'too many fields in form body')));
    bb.on('error', (e: Error) => fail(new FormError(400, `Malformed form body: ${e.message}`)));
    bb.on('close', () => {
      if (done) return;
      done = true;
      resolve({ fields, files });
    });
    req.on('aborted', () => fail(new FormError(400, 'request aborted')));
    req.pipe(bb);
  });
}
