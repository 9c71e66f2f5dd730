import { z } from 'zod';
import { errorTable, type DomainErrorCode } from '../errors/domain-error.js';
import type { Operation as ApiOperation } from '../operations/operation.js';

// The OpenAPI 3.1 description of /admin/v1 and of the signed links. Each operation is
// described from its own record (operations/operation.ts): what a client sends and what it
// answers from the zod schemas the router parses and the handler's answer is typed by, its
// refusals from the error table. Only the two signed-link routes, which answer files and
// are no operations, are written here.

type JsonSchema = z.core.JSONSchema.JSONSchema;
type SchemaOrBoolean = z.core.JSONSchema._JSONSchema;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: SchemaOrBoolean;
}

interface MediaType {
  schema?: JsonSchema;
}

interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
}

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | { $ref: string }>;
}

type HttpMethod = 'get' | 'post' | 'patch';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
  };
}

/**
 * Text fields are normalised (NFC) and trimmed before their length is checked, so the
 * input side of their pipe has no limits: the checked value's limits are written back.
 */
function addCheckedLengths({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  if (!(zodSchema instanceof z.ZodPipe) || !(zodSchema.out instanceof z.ZodString)) return;
  const { minLength, maxLength } = zodSchema.out;
  if (minLength !== null) jsonSchema.minLength = minLength;
  if (maxLength !== null) jsonSchema.maxLength = maxLength;
  jsonSchema.description = 'length counted after Unicode NFC normalisation and trimming';
}

function describeInput(schema: z.ZodType): JsonSchema {
  const json: JsonSchema = z.toJSONSchema(schema, { io: 'input', override: addCheckedLengths });
  // The document already declares the dialect (OpenAPI 3.1 uses draft 2020-12).
  delete json.$schema;
  return json;
}

function describeParameters(schema: z.ZodType, location: Parameter['in'], descriptions: Record<string, string>): Parameter[] {
  const json = describeInput(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
    schema: property,
  }));
}


const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function answer(description: string, schema: JsonSchema): ResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

function failure(description: string): ResponseObject {
  return answer(description, ref('Error'));
}

const text: JsonSchema = { type: 'string' };
const sha256: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };

function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties).filter((key) => !optional.includes(key)) };
}

const errorSchema = object(
  {
    error: {
      type: 'string',
      enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'unprocessable', 'unavailable', 'internal'],
    },
    message: text,
    issues: {
      type: 'array',
      description: 'with a 400 for invalid input: each problem and where, e.g. `body.items.0.reason`; with a 422 for an import, each row\'s problems and its `line`',
      items: object({ path: text, message: text, line: { type: 'integer', minimum: 1 } }, ['line']),
    },
  },
  ['issues'],
);

function describeOutput(schema: z.ZodType): JsonSchema {
  const json: JsonSchema = z.toJSONSchema(schema, { io: 'output' });
  delete json.$schema;
  return json;
}

const statusCodes = { bad_request: '400', forbidden: '403', not_found: '404', conflict: '409', unsupported_media_type: '415', unprocessable: '422', unavailable: '503' } as const;

/** The refusals an operation declares, one answer per status, each code named with what it means. */
function describeRefusals(codes: readonly DomainErrorCode[]): Record<string, ResponseObject> {
  const byStatus = new Map<string, string[]>();
  for (const code of codes) {
    const entry: { status: keyof typeof statusCodes; message?: string } = errorTable[code];
    const status = statusCodes[entry.status];
    byStatus.set(status, [...(byStatus.get(status) ?? []), entry.message ? `\`${code}\`: ${entry.message}` : `\`${code}\``]);
  }
  return Object.fromEntries([...byStatus].map(([status, lines]) => [status, failure(lines.join('; '))]));
}

function describeOperation(operation: ApiOperation): Operation {
  const parameters = [
    ...(operation.params ? describeParameters(operation.params, 'path', operation.paramsDescription ?? {}) : []),
    ...(operation.query ? describeParameters(operation.query, 'query', operation.queryDescription ?? {}) : []),
  ];
  const content: Record<string, MediaType> = {
    ...(operation.body ? { 'application/json': { schema: describeInput(operation.body) } } : {}),
    ...Object.fromEntries((operation.file?.types ?? []).map((type) => [type, {}])),
  };
  const success: ResponseObject =
    'mediaType' in operation.answer
      ? { description: operation.answer.description, content: { [operation.answer.mediaType]: {} } }
      : answer(operation.answer.description, describeOutput(operation.answer.schema));
  const responses: Operation['responses'] = {
    ['status' in operation.answer ? String(operation.answer.status) : '200']: success,
    ...(operation.params || operation.query || operation.body || operation.file ? { '400': failure('invalid input: each problem and where (`issues`)') } : {}),
    '401': { $ref: '#/components/responses/Unauthorized' },
    ...(operation.roles.length < 3 ? { '403': failure(`only ${operation.roles.join(' and ')} tokens: ${operation.refusal ?? 'others may not'}`) } : {}),
    ...(operation.body || operation.file ? { '413': failure(`the body is over ${operation.jsonLimit ?? operation.file?.limit ?? '64kb'}`) } : {}),
    ...(operation.file ? { '415': failure(`another Content-Type than ${Object.keys(content).join(', ')}`) } : {}),
  };
  // A declared refusal shares its status with a generic one above: the two are one answer.
  for (const [status, refusal] of Object.entries(describeRefusals(operation.errors))) {
    const generic = responses[status];
    responses[status] = generic && 'description' in generic ? { ...refusal, description: `${generic.description}; ${refusal.description}` } : refusal;
  }
  return {
    operationId: operation.id,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(Object.keys(content).length > 0 ? { requestBody: { required: true, ...(operation.file ? { description: operation.file.description } : {}), content } } : {}),
    responses,
  };
}

/** Every operation at its path below `base`, in OpenAPI's path notation; then the signed links. */
function describePaths(operations: readonly ApiOperation[], base: string): OpenApiDocument['paths'] {
  const paths: OpenApiDocument['paths'] = {};
  for (const operation of operations) {
    const path = base + operation.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [operation.method]: describeOperation(operation) };
  }
  paths[`${base}/openapi.json`] = {
    get: {
      operationId: 'getOpenApi',
      tags: ['description'],
      summary: 'This description',
      description: 'It needs a token like every route under /admin/v1: the API is for officials, and so is its map.',
      responses: { '200': answer('the OpenAPI 3.1 document', { type: 'object' }), '401': { $ref: '#/components/responses/Unauthorized' } },
    },
  };
  paths['/packets/{token}'] = { get: linkOperation('getPacket', 'The packet a signed link names', { 'application/pdf': {} }, 'this packet no longer exists') };
  paths['/documents/{token}'] = { get: linkOperation('getDocument', 'A Word file delivered beside a packet, as its signed link names', { '*/*': {} }, 'this document is not stored') };
  return paths;
}

function linkOperation(operationId: string, summary: string, content: Record<string, MediaType>, gone: string): Operation {
  return {
    operationId,
    tags: ['links'],
    summary,
    description:
      'No admin token is needed; presented with one, the link must have been issued to that token. Every use, served or refused, is recorded in `packet_access`.',
    security: [{}, { apiToken: [] }],
    parameters: [{ name: 'token', in: 'path', required: true, description: 'the signed link: payload and HMAC, both base64url', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' } }],
    responses: {
      '200': {
        description: 'the file, with its SHA-256',
        headers: {
          'X-Content-SHA256': { description: "the file's SHA-256, hex", schema: sha256 },
          'Content-Disposition': { description: "a generated file name, never the sender's", schema: text },
        },
        content,
      },
      '401': failure('an Authorization header whose token is not valid'),
      '403': failure("a changed, expired or someone else's link"),
      '404': failure(gone),
    },
  };
}

/** The OpenAPI 3.1 document served at GET /admin/v1/openapi.json. */
export function buildAdminOpenApi(operations: readonly ApiOperation[]): OpenApiDocument {
  return {
    openapi: '3.1.1',
    info: {
      title: 'OCOP officials API',
      version: 'v1',
      description:
        'The JSON API commune and province OCOP officials work through. Errors are `{ "error": "<code>", "message": "…" }`; a 400 for invalid input adds `issues: [{ path, message }]`. Anything outside a token\'s region answers 404.',
    },
    tags: [
      { name: 'ideas', description: 'product ideas and their review' },
      { name: 'dossiers', description: "a product's documents, their check, and its packet" },
      { name: 'officials', description: 'officials and their invitations' },
      { name: 'councils', description: 'evaluation councils (province tokens only)' },
      { name: 'meetings', description: 'council meetings and the delivery of dossiers (province tokens only)' },
      { name: 'notifications', description: 'reminders and notices, their history, cancelling and snoozing them' },
      { name: 'campaign deadlines', description: "deadlines officials set for their region's officials" },
      { name: 'certified products', description: 'products certified outside this system, imported for their expiry and re-ranking notices' },
      { name: 'links', description: 'signed links to packets and documents' },
      { name: 'description', description: 'this document' },
    ],
    security: [{ apiToken: [] }],
    paths: describePaths(operations, '/admin/v1'),
    components: {
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'ocop_ and 43 base64url characters',
          description:
            '`Authorization: Bearer ocop_…`, a token made with `npm run admin:token`. A province token sees its whole province; a commune token sees its commune only. Councils, meetings and council people are managed by the province: a commune token gets 403 there. A council-secretary token (its province) schedules, moves, cancels and locks meetings, records their results, reads deliveries, ideas, dossiers, notifications, campaign deadlines and certified products, and builds packets; anything else answers 403.',
        },
      },
      schemas: { Error: errorSchema },
      responses: {
        Unauthorized: {
          ...failure('no token, or one that is unknown or revoked'),
          headers: { 'WWW-Authenticate': { description: 'always `Bearer`', schema: { type: 'string', const: 'Bearer' } } },
        },
      },
    },
  };
}
