// codejail-service's v0 payload schema, declared once as the JSON Schema it is, and checked as
// jsonschema's Draft 2020-12 validator and `best_match` check it, so the 400 messages are the
// same text:
//   "Payload JSON did not match schema at path $: 'code' is a required property"
import { pyRepr, type PyValue } from '../jail/pyjson.js';

type JsonType = 'string' | 'object' | 'array' | 'null' | 'boolean';

/** The subset of JSON Schema codejail-service's payload schema uses. */
export interface PayloadJsonSchema {
  type?: JsonType;
  properties?: Record<string, PayloadJsonSchema>;
  required?: readonly string[];
  anyOf?: readonly PayloadJsonSchema[];
  items?: PayloadJsonSchema;
  description?: string;
}

/** codejail-service's payload_schema (codejail_service/apps/api/v0/views.py), keyword order
 * included: jsonschema reports errors in that order. Also served in the OpenAPI document. */
export const CODE_EXEC_PAYLOAD_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    globals_dict: { type: 'object' },
    python_path: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    limit_overrides_context: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    slug: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    unsafely: { type: 'boolean' },
    // Our addition (edx-platform never sends it): the runtime image for this problem.
    image: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'codejail-wasm addition, never sent by edx-platform: the runtime image' },
  },
  required: ['code', 'globals_dict'],
} as const satisfies PayloadJsonSchema;

interface SchemaError {
  /** Path relative to the instance the error was found in (jsonschema's error.relative_path). */
  relPath: (string | number)[];
  validator: 'type' | 'required' | 'anyOf';
  message: string;
  /** jsonschema's error._matches_type(): the instance matches the failing schema's "type". */
  matchesType: boolean;
  /** anyOf: the errors of each branch, relative to the same instance. */
  context: SchemaError[];
}

function typeOf(v: PyValue): JsonType | 'other' {
  switch (v.t) {
    case 'str':
      return 'string';
    case 'dict':
      return 'object';
    case 'list':
      return 'array';
    case 'null':
      return 'null';
    case 'bool':
      return 'boolean';
    default:
      return 'other';
  }
}

const under = (key: string | number, errors: SchemaError[]): SchemaError[] =>
  errors.map((e) => ({ ...e, relPath: [key, ...e.relPath] }));

/** All errors of `v` against `schema`, in the order Draft202012Validator.iter_errors yields them
 * (keyword by keyword, in the schema's order). */
function iterErrors(v: PyValue, schema: PayloadJsonSchema): SchemaError[] {
  const errors: SchemaError[] = [];
  for (const keyword of Object.keys(schema) as (keyof PayloadJsonSchema)[]) {
    if (keyword === 'type' && typeOf(v) !== schema.type) {
      errors.push({ relPath: [], validator: 'type', message: `${pyRepr(v)} is not of type '${schema.type}'`, matchesType: false, context: [] });
    } else if (keyword === 'properties' && v.t === 'dict') {
      for (const [name, sub] of Object.entries(schema.properties!)) {
        const x = v.entries.get(name);
        if (x !== undefined) errors.push(...under(name, iterErrors(x, sub)));
      }
    } else if (keyword === 'required' && v.t === 'dict') {
      for (const name of schema.required!) {
        if (!v.entries.has(name)) {
          errors.push({ relPath: [], validator: 'required', message: `'${name}' is a required property`, matchesType: true, context: [] });
        }
      }
    } else if (keyword === 'items' && v.t === 'list') {
      v.items.forEach((item, i) => errors.push(...under(i, iterErrors(item, schema.items!))));
    } else if (keyword === 'anyOf') {
      const context: SchemaError[] = [];
      let matched = false;
      for (const branch of schema.anyOf!) {
        const errs = iterErrors(v, branch);
        if (errs.length === 0) {
          matched = true;
          break;
        }
        context.push(...errs);
      }
      if (!matched) {
        errors.push({ relPath: [], validator: 'anyOf', message: `${pyRepr(v)} is not valid under any of the given schemas`, matchesType: false, context });
      }
    }
  }
  return errors;
}

type Key = [number, (string | number)[], number, number, number];

/** jsonschema.exceptions.relevance (4.26): (-len(path), path, not weak, strong, not matches type). */
function key(e: SchemaError): Key {
  return [-e.relPath.length, e.relPath, e.validator === 'anyOf' ? 0 : 1, 0, e.matchesType ? 0 : 1];
}
function cmpScalar(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
function cmpPath(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmpScalar(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
function cmp(a: Key, b: Key): number {
  return a[0] - b[0] || cmpPath(a[1], b[1]) || a[2] - b[2] || a[3] - b[3] || a[4] - b[4];
}

/** jsonschema.exceptions.best_match; returns the error and its path from the payload's root. */
function bestMatch(errors: SchemaError[]): { error: SchemaError; absPath: (string | number)[] } | undefined {
  if (errors.length === 0) return undefined;
  let best = errors[0]!;
  for (const e of errors.slice(1)) if (cmp(key(e), key(best)) > 0) best = e;
  let absPath = best.relPath;
  while (best.context.length > 0) {
    // heapq.nsmallest(2, ...) is stable: the first of equal keys wins.
    const sorted = best.context.map((e, i) => ({ e, i })).sort((a, b) => cmp(key(a.e), key(b.e)) || a.i - b.i);
    if (sorted.length >= 2 && cmp(key(sorted[0]!.e), key(sorted[1]!.e)) === 0) break;
    best = sorted[0]!.e;
    absPath = [...absPath, ...best.relPath];
  }
  return { error: best, absPath };
}

function jsonPath(path: (string | number)[]): string {
  let out = '$';
  for (const el of path) out += typeof el === 'number' ? `[${el}]` : `.${el}`;
  return out;
}

/** The 400 message codejail-service gives for a schema mismatch, or null when the payload matches. */
export function payloadSchemaError(root: PyValue): string | null {
  const best = bestMatch(iterErrors(root, CODE_EXEC_PAYLOAD_SCHEMA));
  if (!best) return null;
  return `Payload JSON did not match schema at path ${jsonPath(best.absPath)}: ${best.error.message}`;
}
