// The OpenAPI 3.1 document served at /api/openapi.json, generated from the declarations the
// service checks requests with (apiSchemas.ts, codejail-service's payload schema) and types its
// answers with, so the description cannot drift from the code. docs/api/openapi.json is a copy
// written by `npm run openapi`; a test keeps it equal to this.
import * as z from 'zod';
import {
  CodeExecAnswerSchema, EffectiveLimitsSchema, ErrorAnswerSchema, HealthAnswerSchema, JailCodeAnswerSchema, JailCodeBodySchema,
  SafeExecBodySchema, SafeExecFailureSchema, SafeExecSuccessSchema,
} from './apiSchemas.js';
import { CODE_EXEC_PAYLOAD_SCHEMA } from './payloadSchema.js';

type JsonSchema = Record<string, unknown>;

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorAnswer = (description: string) => ({ description, content: json(ref('Error')) });

/** JSON Schemas of the declared bodies and answers, by id, with references between them. */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const named: [z.ZodType, string][] = [
    [ErrorAnswerSchema, 'Error'], [EffectiveLimitsSchema, 'EffectiveLimits'],
    // Bodies as the client writes them: before their mapping onto the jail's requests.
    [JailCodeBodySchema.in, 'JailCodeRequest'], [SafeExecBodySchema.in, 'SafeExecRequest'],
    [JailCodeAnswerSchema, 'JailCodeResponse'], [SafeExecSuccessSchema, 'SafeExecSuccess'], [SafeExecFailureSchema, 'SafeExecFailure'],
    [CodeExecAnswerSchema, 'CodeExecResponse'], [HealthAnswerSchema, 'Health'],
  ];
  for (const [schema, id] of named) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12', io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(out.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    void _s;
    void _i;
    schemas[id] = rest;
  }
  schemas.CodeExecPayload = {
    ...CODE_EXEC_PAYLOAD_SCHEMA,
    description: "JSON text in the form field 'payload' (Python's json: NaN and Infinity allowed; integers of any size kept exactly). " +
      "codejail-service's own schema: a mismatch is a 400 worded as jsonschema words it.",
  };
  return schemas;
}

const COMMON_ERRORS = {
  401: errorAnswer('Authentication required, or the token was refused'),
  413: errorAnswer('Body too large'),
  500: errorAnswer('Internal error'),
  503: errorAnswer('Queue full, service not ready, or shutting down'),
  504: errorAnswer('Request timed out'),
};

const SECURITY = [{ bearer: [] }, { jwt: [] }, {}];

export function openApiDocument(version = '0.1.0'): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'codejail-wasm',
      version,
      description: 'Open edX codejail on CPython compiled to WebAssembly. /api/v0/code-exec and /health/ behave as openedx/codejail-service; ' +
        "/api/v1 is the native JSON API. Authentication (when configured): 'Authorization: Bearer <token>' or 'Authorization: JWT <token>' " +
        '(edx-rest-api-client) with a shared token, or an HS256/RS256 JWT. Every JSON answer has Content-Type application/json exactly.',
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'shared token or JWT' },
        jwt: { type: 'apiKey', in: 'header', name: 'Authorization', description: "'JWT <token>' as sent by edx-platform's remote_exec via OAuthAPIClient" },
      },
    },
    paths: {
      '/api/v0/code-exec': {
        post: {
          summary: "codejail-service's code-exec (edx-platform's remote_exec.send_safe_exec_request_v0)",
          security: SECURITY,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['payload'],
                  properties: {
                    payload: { type: 'string', contentMediaType: 'application/json', contentSchema: ref('CodeExecPayload') },
                    'python_lib.zip': {
                      type: 'string', contentMediaType: 'application/zip',
                      description: "Optional course library; the only accepted file name. A zip without absolute or '..' members, within the configured size, ratio and entry limits.",
                    },
                  },
                },
              },
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', required: ['payload'], properties: { payload: { type: 'string', contentMediaType: 'application/json', contentSchema: ref('CodeExecPayload') } } },
              },
            },
          },
          responses: {
            200: { description: "Executed: {globals_dict} on success; {globals_dict: <input globals>, emsg} when the code failed", content: json(ref('CodeExecResponse')) },
            400: errorAnswer("Missing or unparsable payload, schema mismatch (jsonschema's wording), python_path other than python_lib.zip, other file names, unsafely=true, bad python_lib.zip"),
            415: errorAnswer('Not a form body'),
            ...COMMON_ERRORS,
            500: errorAnswer("'Codejail service not enabled', 'Codejail service is not correctly configured' (start-up self-test not passed), or an internal error"),
          },
        },
      },
      '/api/v1/jail_code': {
        post: {
          summary: "codejail's jail_code",
          security: SECURITY,
          requestBody: { required: true, content: json(ref('JailCodeRequest')) },
          responses: {
            200: { description: 'The run', content: json(ref('JailCodeResponse')) },
            400: errorAnswer('A field is wrong; the message starts with its name (files[2].path: ...)'),
            415: errorAnswer('Not a JSON body'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/api/v1/safe_exec': {
        post: {
          summary: "codejail's safe_exec",
          security: SECURITY,
          requestBody: { required: true, content: json(ref('SafeExecRequest')) },
          responses: {
            200: { description: 'The globals, or the exception codejail\'s safe_exec raises', content: json({ oneOf: [ref('SafeExecSuccess'), ref('SafeExecFailure')] }) },
            400: errorAnswer('A field is wrong; the message starts with its name (python_path[0]: ...)'),
            415: errorAnswer('Not a JSON body'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/health/': {
        get: {
          summary: 'Healthy once the start-up self-test (a real run and a denied action) passed',
          responses: { 200: { description: 'OK', content: json(ref('Health')) }, 503: { description: 'Starting, failed or stopping', content: json(ref('Health')) } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
    },
  };
}

let cache: string | undefined;
/** The document as served (generated once). */
export function openApiText(): string {
  cache ??= JSON.stringify(openApiDocument(), null, 2) + '\n';
  return cache;
}
