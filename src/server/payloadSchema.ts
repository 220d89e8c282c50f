// codejail-service's v0 payload schema check, reproducing jsonschema's Draft 2020-12 validator
// and `best_match` so the 400 messages are the same text:
//   "Payload JSON did not match schema at path $: 'code' is a required property"
import { pyRepr, type PyValue } from '../jail/pyjson.js';

type JsonType = 'string' | 'object' | 'array' | 'null' | 'boolean';

interface SchemaError {
  /** Path relative to the validated instance (jsonschema's error.path / relative_path). */
  relPath: (string | number)[];
  /** Path from the payload root (absolute_path). */
  absPath: (string | number)[];
  validator: 'type' | 'required' | 'anyOf';
  message: string;
  /** jsonschema's error._matches_type(): the instance matches the failing schema's "type". */
  matchesType: boolean;
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

function typeError(v: PyValue, type: JsonType, base: (string | number)[], rel: (string | number)[]): SchemaError {
  return {
    relPath: rel,
    absPath: [...base, ...rel],
    validator: 'type',
    message: `${pyRepr(v)} is not of type '${type}'`,
    matchesType: false,
    context: [],
  };
}

type Branch = (v: PyValue, base: (string | number)[]) => SchemaError[];

const branchType =
  (type: JsonType): Branch =>
  (v, base) =>
    typeOf(v) === type ? [] : [typeError(v, type, base, [])];

const branchArrayOfStrings: Branch = (v, base) => {
  if (v.t !== 'list') return [typeError(v, 'array', base, [])];
  const errs: SchemaError[] = [];
  v.items.forEach((item, i) => {
    if (item.t !== 'str') errs.push(typeError(item, 'string', base, [i]));
  });
  return errs;
};

function anyOf(v: PyValue, path: (string | number)[], branches: Branch[]): SchemaError[] {
  const context: SchemaError[] = [];
  for (const b of branches) {
    const errs = b(v, path);
    if (errs.length === 0) return [];
    context.push(...errs);
  }
  return [
    {
      relPath: path,
      absPath: path,
      validator: 'anyOf',
      message: `${pyRepr(v)} is not valid under any of the given schemas`,
      matchesType: false,
      context,
    },
  ];
}

const PROPERTIES: [string, (v: PyValue, path: string[]) => SchemaError[]][] = [
  ['code', (v, p) => (v.t === 'str' ? [] : [typeError(v, 'string', [], p)])],
  ['globals_dict', (v, p) => (v.t === 'dict' ? [] : [typeError(v, 'object', [], p)])],
  ['python_path', (v, p) => anyOf(v, p, [branchArrayOfStrings, branchType('null')])],
  ['limit_overrides_context', (v, p) => anyOf(v, p, [branchType('string'), branchType('null')])],
  ['slug', (v, p) => anyOf(v, p, [branchType('string'), branchType('null')])],
  ['unsafely', (v, p) => (v.t === 'bool' ? [] : [typeError(v, 'boolean', [], p)])],
  // Our addition (edx-platform never sends it): the runtime image for this problem.
  ['image', (v, p) => anyOf(v, p, [branchType('string'), branchType('null')])],
];
const REQUIRED = ['code', 'globals_dict'];

/** All errors, in the order Draft202012Validator.iter_errors yields them (type, properties, required). */
function iterErrors(root: PyValue): SchemaError[] {
  if (root.t !== 'dict') return [typeError(root, 'object', [], [])];
  const errors: SchemaError[] = [];
  for (const [name, check] of PROPERTIES) {
    const v = root.entries.get(name);
    if (v !== undefined) errors.push(...check(v, [name]));
  }
  for (const name of REQUIRED) {
    if (!root.entries.has(name)) {
      errors.push({
        relPath: [],
        absPath: [],
        validator: 'required',
        message: `'${name}' is a required property`,
        matchesType: true,
        context: [],
      });
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

/** jsonschema.exceptions.best_match. */
function bestMatch(errors: SchemaError[]): SchemaError | undefined {
  if (errors.length === 0) return undefined;
  let best = errors[0];
  for (const e of errors.slice(1)) if (cmp(key(e), key(best)) > 0) best = e;
  while (best.context.length > 0) {
    // heapq.nsmallest(2, ...) is stable: the first of equal keys wins.
    const sorted = best.context.map((e, i) => ({ e, i })).sort((a, b) => cmp(key(a.e), key(b.e)) || a.i - b.i);
    if (sorted.length >= 2 && cmp(key(sorted[0].e), key(sorted[1].e)) === 0) return best;
    best = sorted[0].e;
  }
  return best;
}

function jsonPath(path: (string | number)[]): string {
  let out = '$';
  for (const el of path) out += typeof el === 'number' ? `[${el}]` : `.${el}`;
  return out;
}

/** The 400 message codejail-service gives for a schema mismatch, or null when the payload matches. */
export function payloadSchemaError(root: PyValue): string | null {
  const best = bestMatch(iterErrors(root));
  if (!best) return null;
  return `Payload JSON did not match schema at path ${jsonPath(best.absPath)}: ${best.message}`;
}
