import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { authenticateApiToken, type ApiTokenScope } from '../admin/api-tokens.js';
import type { Database, Transaction } from '../db/database.js';
import type { DossierDocument, Prisma, Producer, ProductIdea } from '../db/generated/client.js';
import {
  attachForm03,
  checkDossier,
  DossierAlreadyCheckedError,
  DossierIncompleteError,
  DossierItemsNotReturnableError,
  DossierNotFoundError,
  readDossier,
  returnDossierItems,
  type DossierOverview,
  type Form03Intake,
} from '../dossier/review-dossier.js';
import type { Translate } from '../i18n/translator.js';
import type { MeetingRules } from '../council/schedule-meeting.js';
import { buildAdminOpenApi } from './admin-openapi.js';
import { form03Types, ideaParams, inviteBody, listIdeasQuery, returnBody, returnItemsBody } from './admin-schemas.js';
import { registerCouncilRoutes } from './council-api.js';
import { parseInput } from './parse-input.js';
import { DossierChangedError, DossierEmptyError, type AssembledPacket } from '../dossier/assemble-packet.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
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
  /** The dossier checklists (rules/dossier-checklists.yaml); the dossier routes answer 503 without them. */
  checklists?: readonly Checklist[];
  /** Stores the commune's Form 03; its upload answers 503 without it. */
  dossierIntake?: Form03Intake;
  /** The working calendar and provinces' settings, for scheduling meetings. */
  meetings?: MeetingRules;
  /** Sends a meeting's dossiers to its council; returns outbox ids. */
  distribute?: (meetingId: bigint) => Promise<bigint[]>;
  /** Builds a dossier's packet and signs links to it; the packet route answers 503 without it. */
  packets?: {
    assemble: (ideaId: bigint, actor: string) => Promise<AssembledPacket>;
    linkFor: (kind: 'packet' | 'document', id: bigint, recipient: string) => { url: string; expiresAt: Date };
  };
}

const packetContents = z.array(z.object({ itemTitle: z.string(), fileName: z.string(), sha256: z.string(), printable: z.boolean(), documentId: z.string().regex(/^\d+$/) }));

const producerFields = { name: true, kind: true, phone: true, communeCode: true } as const;
type ListedIdea = ProductIdea & { producer: Pick<Producer, keyof typeof producerFields> };


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

function toDocumentJson(document: DossierDocument) {
  return {
    id: String(document.id),
    status: document.status,
    position: document.position,
    mediaType: document.mediaType,
    printable: document.printable,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    originalName: document.originalName,
    refusedReason: document.refusedReason,
    uploadedBy: document.uploadedBy,
    createdAt: document.createdAt.toISOString(),
  };
}

function toDossierJson(overview: DossierOverview) {
  const { dossier } = overview;
  return {
    id: String(dossier.id),
    ideaId: String(dossier.productIdeaId),
    checklistId: dossier.checklistId,
    status: dossier.status,
    version: dossier.version,
    checkedBy: dossier.checkedBy,
    checkedAt: dossier.checkedAt?.toISOString() ?? null,
    complete: overview.complete,
    items: overview.items.map((item) => ({
      item: item.item,
      need: item.need,
      by: item.by,
      documents: item.documents.map(toDocumentJson),
      returns: item.returns.map((r) => ({ reason: r.reason, returnedBy: r.returnedBy, returnedAt: r.returnedAt.toISOString() })),
    })),
    packets: overview.packets.map((p) => ({ version: p.version, sha256: p.sha256, pageCount: p.pageCount, builtAt: p.builtAt.toISOString() })),
    events: overview.events.map((e) => ({
      version: e.version,
      actor: e.actor,
      action: e.action,
      itemCode: e.itemCode,
      documentId: e.documentId === null ? null : String(e.documentId),
      detail: e.detail,
      at: e.at.toISOString(),
    })),
  };
}

function toHttpFromDomain(error: unknown): never {
  if (error instanceof RegionScopeError) throw new HttpError('bad_request', error.message);
  if (error instanceof DossierNotFoundError) throw new HttpError('not_found', 'this idea has no dossier yet');
  if (error instanceof DossierIncompleteError || error instanceof DossierAlreadyCheckedError) throw new HttpError('conflict', error.message);
  if (error instanceof DossierItemsNotReturnableError) {
    throw new HttpError(
      'bad_request',
      'invalid body',
      error.items.map(({ index, item }) => ({ path: `body.items.${index}.item`, message: `${item} is not an item the producer sends for this dossier` })),
    );
  }
  if (error instanceof ProductIdeaNotSubmittedError) throw new HttpError('conflict', `the idea is ${error.status}; only a submitted idea can be reviewed`);
  if (error instanceof ProductIdeaNotFoundError) throw new HttpError('not_found', 'no such idea');
  throw error;
}

/**
 * The officials' JSON API under /admin/v1, until their console exists. Every route needs
 * `Authorization: Bearer <token>`; the token's role and region decide what it sees.
 */
const secretaryWrites = [/^\/councils\/\d+\/meetings$/, /^\/meetings\/\d+(\/(lock|cancel))?$/, /^\/ideas\/\d+\/dossier\/packet$/];

function secretaryMayUse(method: string, path: string): boolean {
  return method === 'GET' || secretaryWrites.some((pattern) => pattern.test(path));
}

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
    // A council secretary runs meetings; decisions on ideas, dossiers and officials are not theirs.
    if (scope.role === 'secretary' && !secretaryMayUse(req.method, req.path)) throw new HttpError('forbidden', 'a council secretary token manages meetings and reads ideas and dossiers only');
    scopes.set(req, scope);
    next();
  });
  router.use(express.json({ limit: '64kb' }));
  registerCouncilRoutes(
    router,
    {
      db: deps.db,
      now: deps.now,
      invitationTtlHours: deps.invitationTtlHours,
      translate: deps.translate,
      enqueueOutbound: deps.enqueueOutbound,
      ...(deps.meetings ? { meetings: deps.meetings } : {}),
      ...(deps.distribute ? { distribute: deps.distribute } : {}),
    },
    (req) => scopeOf(req),
  );

  function scopeOf(req: Request): ApiTokenScope {
    const scope = scopes.get(req);
    if (!scope) throw new Error('admin route reached without a token scope');
    return scope;
  }

  async function requireVisibleIdea(tx: Transaction, scope: ApiTokenScope, id: bigint): Promise<void> {
    const visible = await tx.productIdea.findFirst({ where: { AND: [ideaRegion(scope), { id }] }, select: { id: true } });
    if (!visible) throw new HttpError('not_found', 'no such idea');
  }

  // Committed: if Redis is away, the sweep sends the pending rows later.
  async function enqueueAfterCommit(req: Request, outboxIds: bigint[], ideaId: bigint): Promise<void> {
    await deps.enqueueOutbound(outboxIds).catch((error: unknown) => {
      const log = (req as Request & { log?: Logger }).log ?? deps.logger;
      log.warn({ err: error, ideaId: String(ideaId) }, 'outbound enqueue deferred to the sweep');
    });
  }

  async function review(req: Request, res: Response, decide: (tx: Transaction, ideaId: bigint, reviewer: string) => Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }>) {
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const { idea, outboxIds } = await deps.db
      .$transaction(async (tx) => {
        await requireVisibleIdea(tx, scope, id);
        return decide(tx, id, scope.name);
      })
      .catch(toHttpFromDomain);
    await enqueueAfterCommit(req, outboxIds, id);
    res.json(toIdeaDetail(idea));
  }

  function requireChecklists(): readonly Checklist[] {
    if (!deps.checklists) throw new HttpError('unavailable', 'dossiers are not served here');
    return deps.checklists;
  }

  async function decideDossier(
    req: Request,
    res: Response,
    decide: (tx: Transaction, input: { ideaId: bigint; official: string; checklists: readonly Checklist[] }) => Promise<{ outboxIds: bigint[] }>,
  ) {
    const checklists = requireChecklists();
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const { outboxIds } = await deps.db
      .$transaction(async (tx) => {
        await requireVisibleIdea(tx, scope, id);
        return decide(tx, { ideaId: id, official: scope.name, checklists });
      })
      .catch(toHttpFromDomain);
    await enqueueAfterCommit(req, outboxIds, id);
    const overview = await readDossier(deps.db, { ideaId: id, checklists });
    if (!overview) throw new HttpError('not_found', 'this idea has no dossier yet');
    res.json(toDossierJson(overview));
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

  router.get('/ideas/:id/dossier', async (req: Request, res: Response) => {
    const checklists = requireChecklists();
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    await requireVisibleIdea(deps.db, scope, id);
    const overview = await readDossier(deps.db, { ideaId: id, checklists });
    if (!overview) throw new HttpError('not_found', 'this idea has no dossier yet');
    res.json(toDossierJson(overview));
  });

  router.post('/ideas/:id/dossier/check', (req: Request, res: Response) =>
    decideDossier(req, res, (tx, input) => checkDossier(tx, { ...input, now: deps.now(), translate: deps.translate })),
  );

  router.post('/ideas/:id/dossier/return', (req: Request, res: Response) => {
    const { items } = parseInput(returnItemsBody, req.body, 'body');
    return decideDossier(req, res, (tx, input) => returnDossierItems(tx, { ...input, items, now: deps.now(), translate: deps.translate }));
  });

  // The packet of the dossier's current version, with a link signed for this token.
  router.post('/ideas/:id/dossier/packet', async (req: Request, res: Response) => {
    const packets = deps.packets;
    if (!packets) throw new HttpError('unavailable', 'packets are not built here');
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    await requireVisibleIdea(deps.db, scope, id);
    const actor = `admin:${scope.name}`;
    const packet = await packets.assemble(id, actor).catch((error: unknown) => {
      if (error instanceof DossierEmptyError) throw new HttpError('not_found', 'this idea has no stored document to put in a packet');
      if (error instanceof DossierChangedError) throw new HttpError('conflict', 'the dossier changed while its packet was built; ask again');
      throw error;
    });
    const link = packets.linkFor('packet', packet.id, actor);
    // Word files are named in the contents and delivered beside the packet.
    const beside = packetContents.parse(packet.contents).filter((entry) => !entry.printable);
    res.status(201).json({
      id: String(packet.id),
      version: packet.version,
      sha256: packet.sha256,
      pageCount: packet.pageCount,
      sizeBytes: packet.sizeBytes,
      builtAt: packet.builtAt,
      link: link.url,
      linkExpiresAt: link.expiresAt,
      beside: beside.map((entry) => ({ item: entry.itemTitle, fileName: entry.fileName, sha256: entry.sha256, link: packets.linkFor('document', BigInt(entry.documentId), actor).url })),
    });
  });

  router.post(
    '/ideas/:id/dossier/form03',
    (req: Request, _res: Response, next) => {
      // Refused before the body is read: 25 MB of the wrong thing is not worth receiving.
      if (!req.is(form03Types)) throw new HttpError('unsupported_media_type', `send the file as ${form03Types.join(', ')}`);
      next();
    },
    express.raw({ type: form03Types, limit: '25mb' }),
    async (req: Request, res: Response) => {
      const intake = deps.dossierIntake;
      if (!intake) throw new HttpError('unavailable', 'uploads are not accepted here');
      const scope = scopeOf(req);
      const { id } = parseInput(ideaParams, req.params, 'params');
      const bytes: unknown = req.body;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new HttpError('bad_request', 'the body is empty: send the file itself');
      // Checked before storing, so nothing is stored for an idea the token cannot see.
      await requireVisibleIdea(deps.db, scope, id);
      if (!(await deps.db.dossier.findUnique({ where: { productIdeaId: id }, select: { id: true } }))) throw new HttpError('not_found', 'this idea has no dossier yet');
      const stored = await intake.store(bytes);
      if (!stored.ok) throw new HttpError('unsupported_media_type', `the file was refused: ${stored.reason}`);
      const document = await deps.db
        .$transaction(async (tx) => {
          await requireVisibleIdea(tx, scope, id);
          return attachForm03(tx, { ideaId: id, official: scope.name, file: stored, now: deps.now() });
        })
        .catch(toHttpFromDomain);
      res.status(201).json(toDocumentJson(document));
    },
  );

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

  // Behind the token like every route here: the description maps where officials' data lives.
  const description = buildAdminOpenApi();
  router.get('/openapi.json', (_req: Request, res: Response) => {
    res.json(description);
  });

  return router;
}
