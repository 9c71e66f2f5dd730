import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { authenticateApiToken, type ApiTokenScope } from '../admin/api-tokens.js';
import type { Database, Transaction } from '../db/database.js';
import type { Prisma, Producer, ProductIdea } from '../db/generated/client.js';
import type { Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import { inviteOfficial } from '../officials/official-invitations.js';
import { RegionScopeError } from '../officials/region-scope.js';
import { acceptProductIdea, ProductIdeaNotFoundError, ProductIdeaNotSubmittedError, returnProductIdea, type ReviewedIdea } from '../registration/review-product-idea.js';
import { HttpError } from './http-error.js';

export interface AdminApiDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  invitationTtlHours: number;
  /** Enqueues outbox rows; called after commit, and the sweep covers a failure. */
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
}

// Ids fit in 18 digits here, so they never overflow Postgres' bigint.
const idSchema = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, 'expected a positive integer id')
  .transform((value) => BigInt(value));
const nfcText = (min: number, max: number) =>
  z
    .string()
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(min).max(max));

const listIdeasQuery = z.strictObject({
  status: z.enum(['submitted', 'accepted', 'returned']).optional(),
  communeCode: z
    .string()
    .regex(/^\d{5}$/, 'a commune code has 5 digits')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: idSchema.optional(),
});
const ideaParams = z.object({ id: idSchema });
const returnBody = z.strictObject({ reason: nfcText(5, 1000) });
const inviteBody = z.strictObject({
  name: nfcText(1, 200),
  role: z.enum(['province', 'commune']),
  communeCode: z
    .string()
    .regex(/^\d{5}$/, 'a commune code has 5 digits')
    .optional(),
});

const producerFields = { name: true, kind: true, phone: true, communeCode: true } as const;
type ListedIdea = ProductIdea & { producer: Pick<Producer, keyof typeof producerFields> };

function parseInput<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'query' | 'params'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new HttpError('bad_request', `invalid ${part}`, issues);
}

// A token never learns whether something outside its region exists.
function ideaRegion(scope: ApiTokenScope): Prisma.ProductIdeaWhereInput {
  return scope.role === 'commune' ? { communeCode: scope.communeCode } : { provinceCode: scope.provinceCode };
}

function officialRegion(scope: ApiTokenScope): Prisma.OfficialWhereInput {
  return scope.role === 'commune' ? { communeCode: scope.communeCode } : { provinceCode: scope.provinceCode };
}

function toIdeaSummary(idea: ListedIdea) {
  return {
    id: String(idea.id),
    receiptNumber: idea.receiptNumber,
    productName: idea.productName,
    sectorCode: idea.sectorCode,
    groupCode: idea.groupCode,
    setCode: idea.setCode,
    kind: idea.kind,
    status: idea.status,
    communeCode: idea.communeCode,
    provinceCode: idea.provinceCode,
    reviewReason: idea.reviewReason,
    reviewedBy: idea.reviewedBy,
    submittedAt: idea.submittedAt.toISOString(),
    reviewedAt: idea.reviewedAt?.toISOString() ?? null,
    producer: { name: idea.producer.name, kind: idea.producer.kind, phone: idea.producer.phone, communeCode: idea.producer.communeCode },
  };
}

function toIdeaDetail(idea: ListedIdea) {
  return { ...toIdeaSummary(idea), details: idea.details, businessPlan: idea.businessPlan };
}

function toHttpFromDomain(error: unknown): never {
  if (error instanceof RegionScopeError) throw new HttpError('bad_request', error.message);
  if (error instanceof ProductIdeaNotSubmittedError) throw new HttpError('conflict', `the idea is ${error.status}; only a submitted idea can be reviewed`);
  if (error instanceof ProductIdeaNotFoundError) throw new HttpError('not_found', 'no such idea');
  throw error;
}

/**
 * The officials' JSON API under /admin/v1, until their console exists. Every route needs
 * `Authorization: Bearer <token>`; the token's role and region decide what it sees.
 */
export function createAdminApiRouter(deps: AdminApiDeps): Router {
  const router = Router();
  const scopes = new WeakMap<Request, ApiTokenScope>();

  router.use(async (req: Request, res: Response, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    const scope = presented ? await authenticateApiToken(deps.db, presented, deps.now()) : null;
    if (!scope) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError('unauthorized', 'a valid API token is required: Authorization: Bearer <token>');
    }
    scopes.set(req, scope);
    next();
  });
  router.use(express.json({ limit: '64kb' }));

  function scopeOf(req: Request): ApiTokenScope {
    const scope = scopes.get(req);
    if (!scope) throw new Error('admin route reached without a token scope');
    return scope;
  }

  async function review(req: Request, res: Response, decide: (tx: Transaction, ideaId: bigint, reviewer: string) => Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }>) {
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const { idea, outboxIds } = await deps.db
      .$transaction(async (tx) => {
        const visible = await tx.productIdea.findFirst({ where: { AND: [ideaRegion(scope), { id }] }, select: { id: true } });
        if (!visible) throw new HttpError('not_found', 'no such idea');
        return decide(tx, id, scope.name);
      })
      .catch(toHttpFromDomain);
    // Committed: if Redis is away, the sweep sends the pending rows later.
    await deps.enqueueOutbound(outboxIds).catch((error: unknown) => {
      const log = (req as Request & { log?: Logger }).log ?? deps.logger;
      log.warn({ err: error, ideaId: String(id) }, 'outbound enqueue deferred to the sweep');
    });
    res.json(toIdeaDetail(idea));
  }

  router.get('/ideas', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const query = parseInput(listIdeasQuery, req.query, 'query');
    const rows = await deps.db.productIdea.findMany({
      where: { AND: [ideaRegion(scope), { status: query.status, communeCode: query.communeCode, id: query.cursor === undefined ? undefined : { lt: query.cursor } }] },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
      include: { producer: { select: producerFields } },
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({ ideas: page.map(toIdeaSummary), nextCursor: rows.length > query.limit && last ? String(last.id) : null });
  });

  router.get('/ideas/:id', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const idea = await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(scope), { id }] }, include: { producer: { select: producerFields } } });
    if (!idea) throw new HttpError('not_found', 'no such idea');
    res.json(toIdeaDetail(idea));
  });

  router.post('/ideas/:id/accept', (req: Request, res: Response) =>
    review(req, res, (tx, ideaId, reviewer) => acceptProductIdea(tx, { ideaId, reviewer, now: deps.now(), translate: deps.translate })),
  );

  router.post('/ideas/:id/return', (req: Request, res: Response) => {
    const { reason } = parseInput(returnBody, req.body, 'body');
    return review(req, res, (tx, ideaId, reviewer) => returnProductIdea(tx, { ideaId, reason, reviewer, now: deps.now(), translate: deps.translate }));
  });

  router.post('/officials', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const body = parseInput(inviteBody, req.body, 'body');
    if (scope.role === 'commune' && (body.role !== 'commune' || body.communeCode !== scope.communeCode)) {
      throw new HttpError('bad_request', `a commune token invites officials of commune ${scope.communeCode} only`);
    }
    const invited = await deps.db
      .$transaction((tx) =>
        inviteOfficial(tx, {
          name: body.name,
          role: body.role,
          provinceCode: scope.provinceCode,
          communeCode: body.communeCode ?? null,
          now: deps.now(),
          ttlHours: deps.invitationTtlHours,
        }),
      )
      .catch(toHttpFromDomain);
    const { official } = invited;
    res.status(201).json({
      id: String(official.id),
      name: official.name,
      role: official.role,
      provinceCode: official.provinceCode,
      communeCode: official.communeCode,
      invitationCode: invited.invitationCode,
      expiresAt: invited.expiresAt.toISOString(),
    });
  });

  router.get('/officials', async (req: Request, res: Response) => {
    const officials = await deps.db.official.findMany({ where: officialRegion(scopeOf(req)), orderBy: { id: 'asc' } });
    res.json({
      officials: officials.map((official) => ({
        id: String(official.id),
        name: official.name,
        role: official.role,
        provinceCode: official.provinceCode,
        communeCode: official.communeCode,
        linked: official.zaloUserId !== null,
        linkedAt: official.linkedAt?.toISOString() ?? null,
        invitationExpiresAt: official.invitationExpiresAt?.toISOString() ?? null,
        createdAt: official.createdAt.toISOString(),
      })),
    });
  });

  return router;
}
