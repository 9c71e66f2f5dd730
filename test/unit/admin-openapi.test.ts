import { testNotifyTiming } from '../helpers/admin-app.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDatabase } from '../../src/db/database.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { adminOperations, createAdminApiRouter, type AdminApiDeps } from '../../src/http/admin-api.js';
import { buildAdminOpenApi } from '../../src/http/admin-openapi.js';
import { communeDocumentTypes } from '../../src/dossier/dossier-operations.js';
import { mountOperations } from '../../src/http/operation-router.js';
import { createPacketLinkRouter } from '../../src/http/packet-links.js';
import { anyCaller, defineOperation } from '../../src/operations/operation.js';
import { createLogger } from '../../src/observability/logger.js';
import { testDatabaseUrl } from '../helpers/test-env.js';

// The routers are built, never asked: the database client connects on its first query,
// and no request is made here.
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 1 });
const logger = createLogger({ level: 'silent' });
const now = () => new Date('2026-03-02T08:00:00.000Z');

afterAll(() => db.$disconnect());

const deps: AdminApiDeps = { db, logger, now, translate: () => '', invitationTtlHours: 72, notifyTiming: testNotifyTiming(), enqueueOutbound: async () => undefined };

function buildAdminRouter(): Router {
  return createAdminApiRouter(deps);
}

function buildPacketLinkRouter(): Router {
  return createPacketLinkRouter({ db, logger, now, storage: createLocalStorage({ root: join(tmpdir(), 'ocop-openapi-test') }), secret: 'unused' });
}

// Express keeps what it was given to route in `router.stack`; read, not trusted.
const routeShape = z.object({ path: z.string(), methods: z.record(z.string(), z.boolean()) });

/** Every "METHOD /path" a router answers, in OpenAPI's path notation. */
function listRoutes(router: Router, prefix: string): string[] {
  return router.stack.flatMap((layer) => {
    if (!layer.route) {
      // A router mounted inside would hide its routes from this list.
      if ('stack' in layer.handle) throw new Error(`a nested router under ${prefix}: list its routes too`);
      return [];
    }
    const route = routeShape.parse(layer.route);
    const path = prefix + route.path.replace(/:(\w+)/g, '{$1}');
    return Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${path}`);
  });
}

const document = buildAdminOpenApi(adminOperations(deps));
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function listDocumented(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => httpMethods.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function listRegistered(admin = buildAdminRouter()): string[] {
  return [...listRoutes(admin, '/admin/v1'), ...listRoutes(buildPacketLinkRouter(), '')];
}

/** Differences between the routers and the document, both ways; empty when they agree. */
function compare(registered: string[], documented: string[]) {
  return {
    undocumented: registered.filter((route) => !documented.includes(route)),
    withoutRoute: documented.filter((route) => !registered.includes(route)),
  };
}

// The parts of OpenAPI 3.1 this document uses, as the specification requires them.
const responseShape = z.union([z.strictObject({ $ref: z.string().startsWith('#/components/responses/') }), z.looseObject({ description: z.string().min(1) })]);
const operationShape = z.looseObject({
  operationId: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  summary: z.string().min(1),
  parameters: z.array(z.looseObject({ name: z.string().min(1), in: z.enum(['path', 'query', 'header', 'cookie']), required: z.boolean(), schema: z.unknown() })).optional(),
  requestBody: z.looseObject({ content: z.record(z.string(), z.looseObject({})) }).optional(),
  responses: z.record(z.string().regex(/^[1-5]\d\d$/), responseShape).refine((responses) => Object.keys(responses).some((status) => status.startsWith('2')), 'no success answer'),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const documentShape = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string().min(1), version: z.string().min(1) }),
  paths: z.record(z.string().startsWith('/'), z.partialRecord(z.enum(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']), operationShape)),
  components: z.looseObject({
    securitySchemes: z.record(z.string(), z.looseObject({ type: z.literal('http'), scheme: z.literal('bearer'), description: z.string().min(1) })),
  }),
});

function collectRefs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(collectRefs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : collectRefs(inner)));
}

const jsonNode = z.record(z.string(), z.unknown());

function resolvePointer(pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => {
      const parsed = jsonNode.safeParse(node);
      return parsed.success ? parsed.data[key] : undefined;
    }, document);
}

describe('the admin API description', () => {
  it('is an OpenAPI 3.1 document: paths, operations, answers and the bearer scheme', () => {
    const parsed = documentShape.parse(JSON.parse(JSON.stringify(document)));
    expect(Object.keys(parsed.components.securitySchemes)).toEqual(['apiToken']);
    expect(document.security).toEqual([{ apiToken: [] }]);
    const operationIds = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('declares every path parameter its path names, and no other', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      const named = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item)) {
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        expect(declared.map((parameter) => parameter.name), path).toEqual(named);
        expect(declared.every((parameter) => parameter.required)).toBe(true);
      }
    }
  });

  it('resolves every $ref inside the document', () => {
    const unresolved = collectRefs(document).filter((pointer) => resolvePointer(pointer) === undefined);
    expect(unresolved).toEqual([]);
  });

  it('documents every route the routers register, and no route they do not', () => {
    expect(compare(listRegistered(), listDocumented())).toEqual({ undocumented: [], withoutRoute: [] });
  });

  it('finds a route added without documentation', () => {
    const admin = buildAdminRouter();
    admin.delete('/ideas/:id', () => undefined);
    expect(compare(listRegistered(admin), listDocumented()).undocumented).toEqual(['DELETE /admin/v1/ideas/{id}']);
  });

  it("describes request bodies with the routes' own schemas, as a client sends them", () => {
    const returned = document.paths['/admin/v1/ideas/{id}/return']?.post?.requestBody?.content['application/json']?.schema;
    // Trimmed and NFC-normalised before it is measured: the limits are the route's.
    expect(returned).toEqual({
      type: 'object',
      properties: { reason: { type: 'string', minLength: 5, maxLength: 1000, description: expect.stringContaining('NFC') } },
      required: ['reason'],
      additionalProperties: false,
    });
    const cursor = document.paths['/admin/v1/ideas']?.get?.parameters?.find((parameter) => parameter.name === 'cursor');
    // The id as typed in the query string, not the bigint the route turns it into.
    expect(cursor).toMatchObject({ in: 'query', required: false, schema: { type: 'string', pattern: '^[1-9]\\d{0,17}$' } });
    const form03 = document.paths['/admin/v1/ideas/{id}/dossier/form03']?.post?.requestBody?.content;
    expect(Object.keys(form03 ?? {})).toEqual(communeDocumentTypes);
  });

  it("describes answers and refusals from the operations' own schemas and error codes", () => {
    const idea = document.paths['/admin/v1/ideas/{id}']?.get?.responses['200'];
    const schema = idea && 'content' in idea ? idea.content?.['application/json']?.schema : undefined;
    expect(schema).toMatchObject({ type: 'object', required: expect.arrayContaining(['receiptNumber', 'producer', 'businessPlan']) });
    expect(schema?.properties?.producer).toMatchObject({ properties: { personalId: { description: expect.stringContaining('masked') } } });
    const results = document.paths['/admin/v1/meetings/{id}/results']?.post?.responses;
    expect(Object.keys(results ?? {}).sort()).toEqual(['201', '400', '401', '403', '404', '409', '413', '503']);
    const conflict = results?.['409'];
    expect(conflict && 'description' in conflict ? conflict.description : '').toContain('`results.noQuorum`');
    // A read any token may make has no 403; a decision a secretary may not make has one.
    expect(document.paths['/admin/v1/ideas']?.get?.responses['403']).toBeUndefined();
    expect(document.paths['/admin/v1/ideas/{id}/accept']?.post?.responses['403']).toBeDefined();
  });

  it('routes and documents an operation from its record alone', () => {
    const extra = defineOperation({
      id: 'countIdeas',
      method: 'get',
      path: '/ideas-count',
      tag: 'ideas',
      summary: "How many ideas the token's region has",
      ...anyCaller,
      errors: [],
      answer: { status: 200, schema: z.object({ count: z.number().int() }), description: 'the count' },
      handle: async () => ({ count: 0 }),
    });
    const operations = [...adminOperations(deps), extra];
    const router = express.Router();
    mountOperations(router, operations, () => ({ tokenId: 1n, name: 't', role: 'province', provinceCode: '75', communeCode: null }), logger);
    const described = buildAdminOpenApi(operations);
    expect(listRoutes(router, '/admin/v1')).toContain('GET /admin/v1/ideas-count');
    expect(described.paths['/admin/v1/ideas-count']?.get).toMatchObject({ operationId: 'countIdeas', responses: { '200': { content: { 'application/json': { schema: { type: 'object', required: ['count'] } } } } } });
  });
});

