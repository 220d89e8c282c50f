// JSON answers. The Content-Type is exactly `application/json`, without a charset parameter,
// as Django REST framework sends it: codejail-service's api_tests and DRF clients compare the
// header byte for byte. (Express adds "; charset=utf-8" to any string body, so the text is sent
// as bytes.) JSON is UTF-8 by definition (RFC 8259), so nothing is lost.
import type { Response } from 'express';

export const JSON_CONTENT_TYPE = 'application/json';

/** Send JSON text as it is. */
export function sendJsonText(res: Response, status: number, text: string): void {
  sendJsonBytes(res, status, Buffer.from(text, 'utf8'));
}

/** Send JSON already encoded as UTF-8. */
export function sendJsonBytes(res: Response, status: number, bytes: Uint8Array): void {
  res.status(status).setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Send a value as JSON. */
export function sendJson(res: Response, status: number, value: unknown): void {
  sendJsonText(res, status, JSON.stringify(value));
}
