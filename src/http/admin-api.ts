import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { authenticateApiToken, type ApiTokenScope } from '../admin/api-tokens.js';
import { auditTrail } from '../console/audit-trail.js';
import { deactivateOfficial } from '../console/console-auth.js';
import type { Database, Transaction } from '../db/database.js';
import type { CampaignDeadline, CertifiedProduct, DossierDocument, Notification, Prisma, Producer, ProductIdea } from '../db/generated/client.js';
import {
  attachCommuneDocument,
  checkDossier,
  readDossier,
  returnDossierItems,
  type DossierOverview,
  type Form03Intake,
} from '../dossier/review-dossier.js';
import { adminTokenRecipient } from '../dossier/signed-links.js';
import type { Translate } from '../i18n/translator.js';
import type { MeetingRules } from '../council/schedule-meeting.js';
import { buildAdminOpenApi } from './admin-openapi.js';
import {
  campaignDeadlineBody,
  certifiedProductsBody,
  form03Types,
  ideaParams,
  idParams,
  inviteBody,
  listCertifiedProductsQuery,
  listIdeasQuery,
  listNotificationsQuery,
  returnBody,
  returnItemsBody,
  snoozeBody,
} from './admin-schemas.js';
import { registerCouncilRoutes } from './council-api.js';
import { parseInput, parseJsonBody } from './parse-input.js';
import { type AssembledPacket } from '../dossier/assemble-packet.js';
import {
  cancelCampaignDeadline,
  createCampaignDeadline,
  listCampaignDeadlines,
} from '../notify/campaign-deadlines.js';
import { certifiedProductRegion, importCertifiedProducts, readCertifiedProductsCsv, type CertifiedProductRow, type RowProblem } from '../notify/certified-products.js';
import { cancelNotification, listNotifications, notificationHistory, notificationRegion, snoozeNotifications, type NotificationHistory } from '../notify/manage-notifications.js';
import { sendTimeFor, type NotifyTiming } from '../notify/timing.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import type { Logger } from '../observability/logger.js';
import { inviteOfficial } from '../officials/official-invitations.js';
import { ideaRegion } from '../officials/region-scope.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { acceptProductIdea, returnProductIdea, type ReviewedIdea } from '../registration/review-product-idea.js';
import type { EthnicGroups } from '../conversation/ethnic-groups.js';
import { maskPersonalId } from '../text/personal-id.js';
import { HttpError } from './http-error.js';

export interface AdminApiDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  invitationTtlHours: number;
  /** Enqueues outbox rows; called after commit, and the sweep covers a failure. */
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** rules/ethnic-groups.yaml: a representative's ethnic group by name beside its code (code only without it). */
  ethnicGroups?: EthnicGroups;
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
  /** Quiet hours and the working calendar: a snoozed notification never falls in quiet hours. */
  notifyTiming: NotifyTiming;
  /** The rule sets (rules/rule-sets.yaml); importing certified products answers 503 without them. */
  ruleSets?: readonly RuleSet[];
}

const packetContents = z.array(z.object({ itemTitle: z.string(), fileName: z.string(), sha256: z.string(), printable: z.boolean(), documentId: z.string().regex(/^\d+$/) }));

const producerFields = {
  name: true,
  kind: true,
  phone: true,
  communeCode: true,
  personalId: true,
  representativeGender: true,
  representativeEthnicGroup: true,
  representativePermanentAddress: true,
} as const;
type ListedIdea = ProductIdea & { producer: Pick<Producer, keyof typeof producerFields> };



function officialRegion(scope: ApiTokenScope): Prisma.OfficialWhereInput {
  return scope.role === 'commune' ? { communeCode: scope.communeCode } : { provinceCode: scope.provinceCode };
}

/**
 * The producer as officials see it, with what Forms 02 and 03 ask of the representative.
 * The personal ID is masked: officials recognise it, the API does not hand it out.
 */
function toProducerJson(producer: ListedIdea['producer'], ethnicGroups: EthnicGroups | undefined) {
  const ethnicCode = producer.representativeEthnicGroup;
  return {
    name: producer.name,
    kind: producer.kind,
    phone: producer.phone,
    communeCode: producer.communeCode,
    personalId: producer.personalId === null ? null : maskPersonalId(producer.personalId),
    representativeGender: producer.representativeGender,
    representativeEthnicGroup: ethnicCode === null ? null : { code: ethnicCode, name: ethnicGroups?.byCode(ethnicCode)?.name ?? null },
    representativePermanentAddress: producer.representativePermanentAddress,
  };
}

function toIdeaSummary(idea: ListedIdea, ethnicGroups: EthnicGroups | undefined) {
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
    producer: toProducerJson(idea.producer, ethnicGroups),
  };
}

function toIdeaDetail(idea: ListedIdea, ethnicGroups: EthnicGroups | undefined) {
  return { ...toIdeaSummary(idea, ethnicGroups), details: idea.details, businessPlan: idea.businessPlan };
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
      exemption: item.exemption ? { reason: item.exemption.reason, declaredAt: item.exemption.declaredAt.toISOString(), acceptedAt: item.exemption.acceptedAt?.toISOString() ?? null } : null,
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

const isoOrNull = (at: Date | null) => at?.toISOString() ?? null;
const idOrNull = (id: bigint | null) => (id === null ? null : String(id));

function toNotificationJson(notification: Notification) {
  return {
    id: String(notification.id),
    key: notification.key,
    kind: notification.kind,
    recipientKind: notification.recipientKind,
    recipientId: String(notification.recipientId),
    provinceCode: notification.provinceCode,
    communeCode: notification.communeCode,
    productIdeaId: idOrNull(notification.productIdeaId),
    meetingId: idOrNull(notification.meetingId),
    certifiedProductId: idOrNull(notification.certifiedProductId),
    campaignDeadlineId: idOrNull(notification.campaignDeadlineId),
    parentKey: notification.parentKey,
    level: notification.level,
    deadline: isoOrNull(notification.deadline),
    dueAt: notification.dueAt.toISOString(),
    sendAt: notification.sendAt.toISOString(),
    routine: notification.routine,
    vars: notification.vars,
    state: notification.state,
    channel: notification.channel,
    outboundIds: notification.outboundIds.map(String),
    snoozeCount: notification.snoozeCount,
    createdAt: notification.createdAt.toISOString(),
    sentAt: isoOrNull(notification.sentAt),
    closedAt: isoOrNull(notification.closedAt),
  };
}

function toHistoryJson(history: NotificationHistory) {
  return {
    ...toNotificationJson(history.notification),
    events: history.events.map((event) => ({ action: event.action, actor: event.actor, detail: event.detail, at: event.at.toISOString() })),
    messages: history.messages.map((message) => ({
      id: String(message.id),
      channel: message.channel,
      status: message.status,
      sentAt: isoOrNull(message.sentAt),
      receivedAt: isoOrNull(message.receivedAt),
      seenAt: isoOrNull(message.seenAt),
      failedAt: isoOrNull(message.failedAt),
      lastError: message.lastError,
    })),
    timeline: history.timeline.map((step) => ({ at: step.at.toISOString(), step: step.step, actor: step.actor, messageId: idOrNull(step.messageId) })),
  };
}

function toCampaignDeadlineJson(deadline: CampaignDeadline) {
  return {
    id: String(deadline.id),
    provinceCode: deadline.provinceCode,
    communeCode: deadline.communeCode,
    title: deadline.title,
    dueDate: deadline.dueDate,
    audience: deadline.audience,
    remindWorkingDaysBefore: deadline.remindWorkingDaysBefore,
    createdBy: deadline.createdBy,
    createdAt: deadline.createdAt.toISOString(),
    cancelledAt: isoOrNull(deadline.cancelledAt),
  };
}

function toCertifiedProductJson(product: CertifiedProduct) {
  return {
    id: String(product.id),
    provinceCode: product.provinceCode,
    communeCode: product.communeCode,
    productName: product.productName,
    producerName: product.producerName,
    producerPhone: product.producerPhone,
    producerId: idOrNull(product.producerId),
    stars: product.stars,
    certificateNumber: product.certificateNumber,
    certifiedOn: product.certifiedOn,
    expiresOn: product.expiresOn,
    ruleSet: product.ruleSet,
    importedBy: product.importedBy,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

/**
 * 422: the import was readable, but rows say something wrong. Not an HttpError code, so
 * answered here in the same shape; `line` is the CSV line, or the JSON row's position from 1.
 */
function refuseRows(res: Response, problems: RowProblem[], source: 'csv' | 'json'): void {
  const lines = new Set(problems.map((problem) => problem.line)).size;
  res.status(422).json({
    error: 'unprocessable',
    message: `${lines} ${lines === 1 ? 'row has' : 'rows have'} problems; nothing was imported`,
    issues: problems.map((problem) => ({ path: source === 'csv' ? `line ${problem.line}` : `body.rows.${problem.line - 1}`, message: problem.message, line: problem.line })),
  });
}


/**
 * The officials' JSON API under /admin/v1, until their console exists. Every route needs
 * `Authorization: Bearer <token>`; the token's role and region decide what it sees.
 */
// A province's list of a few thousand certificates, as CSV or JSON.
const importTypes = ['application/json', 'text/csv'];
const importLimit = '4mb';

const secretaryWrites = [/^\/councils\/\d+\/meetings$/, /^\/meetings\/\d+(\/(lock|cancel|results))?$/, /^\/ideas\/\d+\/dossier\/packet$/];

function secretaryMayUse(method: string, path: string): boolean {
  return method === 'GET' || secretaryWrites.some((pattern) => pattern.test(path));
}

export function createAdminApiRouter(deps: AdminApiDeps): Router {
  const router = Router();
  const scopes = new WeakMap<Request, ApiTokenScope>();
  // Every change made with a token is written to the audit trail once answered.
  router.use(
    auditTrail({
      db: deps.db,
      now: deps.now,
      logger: deps.logger,
      base: '/admin/v1',
      actorOf: (req) => {
        const scope = scopes.get(req);
        return scope ? { kind: 'api_token', id: scope.tokenId, name: scope.name, provinceCode: scope.provinceCode, communeCode: scope.communeCode ?? null } : undefined;
      },
    }),
  );

  router.use(async (req: Request, res: Response, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    const scope = presented ? await authenticateApiToken(deps.db, presented, deps.now()) : null;
    if (!scope) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError('unauthorized', 'a valid API token is required: Authorization: Bearer <token>');
    }
    // A council secretary runs meetings; decisions on ideas, dossiers and officials are not theirs.
    if (scope.role === 'secretary' && !secretaryMayUse(req.method, req.path)) throw new HttpError('forbidden', 'a council secretary token manages meetings and their results and reads ideas and dossiers only');
    scopes.set(req, scope);
    next();
  });
  // Before the 64 kB JSON parser below: a province's list of certificates is larger.
  router.post(
    '/certified-products',
    (req: Request, _res: Response, next) => {
      // Refused before the body is read.
      if (scopeOf(req).role !== 'province') throw new HttpError('forbidden', 'certified products are imported by the province OCOP unit');
      if (!req.is(importTypes)) throw new HttpError('unsupported_media_type', `send ${importTypes.join(' or ')}`);
      next();
    },
    ...parseJsonBody(importLimit),
    express.raw({ type: 'text/csv', limit: importLimit }),
    async (req: Request, res: Response) => {
      const ruleSets = deps.ruleSets;
      if (!ruleSets) throw new HttpError('unavailable', 'certified products are not imported here');
      const scope = scopeOf(req);
      let rows: CertifiedProductRow[];
      const source = req.is('text/csv') ? 'csv' : 'json';
      if (source === 'csv') {
        const bytes: unknown = req.body;
        if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new HttpError('bad_request', 'the body is empty: send the CSV file itself');
        const read = readCertifiedProductsCsv(bytes);
        if (!read.ok) return refuseRows(res, read.problems, source);
        rows = read.rows;
      } else {
        rows = parseInput(certifiedProductsBody, req.body, 'body').rows.map((row, index) => ({ ...row, line: index + 1 }));
      }
      const outcome = await importCertifiedProducts(deps.db, { provinceCode: scope.provinceCode, importedBy: scope.name, rows, ruleSets, now: deps.now() });
      if (!outcome.ok) return refuseRows(res, outcome.problems, source);
      res.json(outcome.summary);
    },
  );
  router.use(parseJsonBody('64kb'));
  registerCouncilRoutes(
    router,
    {
      db: deps.db,
      now: deps.now,
      invitationTtlHours: deps.invitationTtlHours,
      translate: deps.translate,
      enqueueOutbound: deps.enqueueOutbound,
      logger: deps.logger,
      ...(deps.meetings ? { meetings: deps.meetings } : {}),
      ...(deps.distribute ? { distribute: deps.distribute } : {}),
      ...(deps.meetings && deps.ruleSets ? { evaluation: { ruleSets: deps.ruleSets, settingsFor: deps.meetings.settingsFor } } : {}),
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
    const log = (req as Request & { log?: Logger }).log ?? deps.logger;
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, log.child({ ideaId: String(ideaId) }));
  }

  async function review(req: Request, res: Response, decide: (tx: Transaction, ideaId: bigint, reviewer: string) => Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }>) {
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const { idea, outboxIds } = await deps.db
      .$transaction(async (tx) => {
        await requireVisibleIdea(tx, scope, id);
        return decide(tx, id, scope.name);
      });
    await enqueueAfterCommit(req, outboxIds, id);
    res.json(toIdeaDetail(idea, deps.ethnicGroups));
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
      });
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
    res.json({ ideas: page.map((idea) => toIdeaSummary(idea, deps.ethnicGroups)), nextCursor: rows.length > query.limit && last ? String(last.id) : null });
  });

  router.get('/ideas/:id', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const { id } = parseInput(ideaParams, req.params, 'params');
    const idea = await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(scope), { id }] }, include: { producer: { select: producerFields } } });
    if (!idea) throw new HttpError('not_found', 'no such idea');
    res.json(toIdeaDetail(idea, deps.ethnicGroups));
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
    // The audit trail names the official; the links are bound to this token's id, which no other token shares.
    const recipient = adminTokenRecipient(scope.tokenId);
    const packet = await packets.assemble(id, actor);
    const link = packets.linkFor('packet', packet.id, recipient);
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
      beside: beside.map((entry) => ({ item: entry.itemTitle, fileName: entry.fileName, sha256: entry.sha256, link: packets.linkFor('document', BigInt(entry.documentId), recipient).url })),
    });
  });

  // The commune's own documents, each at its path: Form 03 and its proposal letter.
  for (const [path, item] of [['form03', 'form03'], ['proposal', 'communeProposal']] as const) {
    router.post(
      `/ideas/:id/dossier/${path}`,
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
            return attachCommuneDocument(tx, { ideaId: id, item, official: scope.name, file: stored, now: deps.now() });
          });
        res.status(201).json(toDocumentJson(document));
      },
    );
  }

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
      );
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
        deactivatedAt: official.deactivatedAt?.toISOString() ?? null,
      })),
    });
  });

  // The province ends an official's access: no more sign-in, and open console sessions end now.
  router.post('/officials/:id/deactivate', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    if (scope.role !== 'province') throw new HttpError('forbidden', 'officials are deactivated by the province OCOP unit');
    const { id } = parseInput(idParams, req.params, 'params');
    const official = await deps.db.$transaction(async (tx) => {
      const found = await tx.official.findFirst({ where: { id, provinceCode: scope.provinceCode } });
      if (!found) throw new HttpError('not_found', 'no such official');
      if (!found.deactivatedAt) await deactivateOfficial(tx, { officialId: id, now: deps.now() });
      return tx.official.findUniqueOrThrow({ where: { id } });
    });
    res.json({ id: String(official.id), name: official.name, deactivatedAt: official.deactivatedAt?.toISOString() ?? null });
  });

  async function requireVisibleNotification(tx: Transaction, scope: ApiTokenScope, id: bigint): Promise<Notification> {
    const notification = await tx.notification.findFirst({ where: { AND: [notificationRegion(scope), { id }] } });
    if (!notification) throw new HttpError('not_found', 'no such notification');
    return notification;
  }

  router.get('/notifications', async (req: Request, res: Response) => {
    const query = parseInput(listNotificationsQuery, req.query, 'query');
    const page = await listNotifications(deps.db, { ...query, region: scopeOf(req) });
    res.json({ notifications: page.notifications.map(toNotificationJson), nextAfter: idOrNull(page.nextAfter) });
  });

  router.get('/notifications/:id', async (req: Request, res: Response) => {
    const { id } = parseInput(idParams, req.params, 'params');
    await requireVisibleNotification(deps.db, scopeOf(req), id);
    const history = await notificationHistory(deps.db, id);
    if (!history) throw new HttpError('not_found', 'no such notification');
    res.json(toHistoryJson(history));
  });

  router.post('/notifications/:id/cancel', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const { id } = parseInput(idParams, req.params, 'params');
    const cancelled = await deps.db.$transaction(async (tx) => {
      await requireVisibleNotification(tx, scope, id);
      const changed = await cancelNotification(tx, id, `admin:${scope.name}`, deps.now());
      const notification = await requireVisibleNotification(tx, scope, id);
      if (!changed) throw new HttpError('conflict', `the notification is ${notification.state}: only a planned or sent one can be cancelled`);
      return notification;
    });
    res.json(toNotificationJson(cancelled));
  });

  router.post('/notifications/:id/snooze', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const { id } = parseInput(idParams, req.params, 'params');
    const { until } = parseInput(snoozeBody, req.body, 'body');
    const now = deps.now();
    if (until <= now) throw new HttpError('bad_request', 'invalid body', [{ path: 'body.until', message: `must be after now (${now.toISOString()})` }]);
    const snoozed = await deps.db.$transaction(async (tx) => {
      const { routine } = await requireVisibleNotification(tx, scope, id);
      const changed = await snoozeNotifications(tx, [id], sendTimeFor(deps.notifyTiming, until, routine), `admin:${scope.name}`, now);
      const notification = await requireVisibleNotification(tx, scope, id);
      if (changed === 0) throw new HttpError('conflict', `the notification is ${notification.state}: only a planned or sent one can be snoozed`);
      return notification;
    });
    res.json(toNotificationJson(snoozed));
  });

  router.post('/campaign-deadlines', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const body = parseInput(campaignDeadlineBody, req.body, 'body');
    const deadline = await deps.db.$transaction((tx) => createCampaignDeadline(tx, { ...body, region: scope, createdBy: scope.name, now: deps.now() }));
    res.status(201).json(toCampaignDeadlineJson(deadline));
  });

  router.get('/campaign-deadlines', async (req: Request, res: Response) => {
    const deadlines = await listCampaignDeadlines(deps.db, scopeOf(req));
    res.json({ campaignDeadlines: deadlines.map(toCampaignDeadlineJson) });
  });

  router.post('/campaign-deadlines/:id/cancel', async (req: Request, res: Response) => {
    const scope = scopeOf(req);
    const { id } = parseInput(idParams, req.params, 'params');
    const { deadline, cancelledNotifications } = await deps.db
      .$transaction((tx) => cancelCampaignDeadline(tx, { id, region: scope, actor: `admin:${scope.name}`, now: deps.now() }));
    res.json({ ...toCampaignDeadlineJson(deadline), cancelledNotifications });
  });

  router.get('/certified-products', async (req: Request, res: Response) => {
    const query = parseInput(listCertifiedProductsQuery, req.query, 'query');
    const rows = await deps.db.certifiedProduct.findMany({
      where: {
        AND: [
          certifiedProductRegion(scopeOf(req)),
          { communeCode: query.communeCode, expiresOn: query.expiringBefore === undefined ? undefined : { lt: query.expiringBefore }, id: query.after === undefined ? undefined : { gt: query.after } },
        ],
      },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({ certifiedProducts: page.map(toCertifiedProductJson), nextAfter: rows.length > query.limit && last ? String(last.id) : null });
  });

  // Behind the token like every route here: the description maps where officials' data lives.
  const description = buildAdminOpenApi();
  router.get('/openapi.json', (_req: Request, res: Response) => {
    res.json(description);
  });

  return router;
}
