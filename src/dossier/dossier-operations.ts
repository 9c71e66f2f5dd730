import { z } from 'zod';
import type { Database, Transaction } from '../db/database.js';
import { DossierDocumentStatus, DossierStatus, type DossierDocument } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import type { Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import { anyCaller, defineOperation, officialsOnly, type Caller, type Operation } from '../operations/operation.js';
import { anyJson, idParams, idText, instant, maybeInstant, nfcText, sha256Text } from '../operations/schemas.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { requireVisibleIdea } from '../registration/idea-operations.js';
import type { AssembledPacket } from './assemble-packet.js';
import { attachCommuneDocument, checkDossier, DossierNotFoundError, readDossier, returnDossierItems, type DossierOverview, type Form03Intake } from './review-dossier.js';
import { adminTokenRecipient } from './signed-links.js';

// A product's dossier through the officials' API: read it, check it or send items back to
// the producer, build its packet, and upload the commune's own documents (Form 03 and the
// proposal letter).

export interface DossierOperationsDeps {
  db: Database;
  translate: Translate;
  now: () => Date;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** The dossier checklists (rules/dossier-checklists.yaml); the dossier operations answer 503 without them. */
  checklists?: readonly Checklist[];
  /** Stores the commune's documents; their upload answers 503 without it. */
  dossierIntake?: Form03Intake;
  /** Builds a dossier's packet and signs links to it; the packet operation answers 503 without it. */
  packets?: {
    assemble: (ideaId: bigint, actor: string) => Promise<AssembledPacket>;
    linkFor: (kind: 'packet' | 'document', id: bigint, recipient: string) => { url: string; expiresAt: Date };
  };
}

// Form 03 arrives as the bare file; its bytes, not this header, decide what is stored.
export const communeDocumentTypes = ['application/pdf', 'image/jpeg', 'image/png'];

const returnItemsBody = z.strictObject({
  items: z
    .array(z.strictObject({ item: z.string().min(1).max(100), reason: nfcText(5, 500) }))
    .min(1)
    .max(30)
    .superRefine((items, ctx) => {
      items.forEach(({ item }, index) => {
        if (items.findIndex((other) => other.item === item) < index) ctx.addIssue({ code: 'custom', path: [index, 'item'], message: `${item} is listed twice` });
      });
    }),
});

const documentAnswer = z.object({
  id: idText,
  status: z.enum(DossierDocumentStatus),
  position: z.number().int().meta({ description: 'page order within the item' }),
  mediaType: z.string().nullable(),
  printable: z.boolean().nullable().meta({ description: 'false for Word files, delivered beside the packet' }),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  originalName: z.string().nullable(),
  refusedReason: z.string().nullable(),
  uploadedBy: z.string().meta({ description: 'a Zalo user id, or `admin:<token name>`' }),
  createdAt: instant,
});

const dossierAnswer = z.object({
  id: idText,
  ideaId: idText,
  checklistId: z.string(),
  status: z.enum(DossierStatus),
  version: z.number().int().min(1),
  checkedBy: z.string().nullable(),
  checkedAt: maybeInstant,
  complete: z.boolean().meta({ description: 'every required producer item has a stored document, or a declaration that it is not required' }),
  items: z
    .array(
      z.object({
        item: z.string(),
        need: z.enum(['required', 'optional']),
        by: z.enum(['producer', 'commune']),
        documents: z.array(documentAnswer).meta({ description: 'current documents; replaced ones are left out' }),
        returns: z.array(z.object({ reason: z.string(), returnedBy: z.string(), returnedAt: instant })).meta({ description: 'open returns' }),
        exemption: z
          .object({ reason: z.string(), declaredAt: instant, acceptedAt: maybeInstant })
          .nullable()
          .meta({ description: "the producer's declaration that the law does not ask this paper of them, with the reason; accepted by checking the dossier, refused by returning the item" }),
      }),
    )
    .meta({ description: 'checklist items in packet order' }),
  packets: z.array(z.object({ version: z.number().int(), sha256: sha256Text, pageCount: z.number().int().min(0), builtAt: instant })),
  events: z
    .array(z.object({ version: z.number().int(), actor: z.string(), action: z.string(), itemCode: z.string().nullable(), documentId: idText.nullable(), detail: anyJson, at: instant }))
    .meta({ description: 'the last 50, latest first' }),
});

const signedLink = z.url().meta({ description: 'a signed link for this token, valid PACKET_LINK_TTL_HOURS' });
const packetAnswer = z.object({
  id: idText,
  version: z.number().int(),
  sha256: sha256Text,
  pageCount: z.number().int().min(0),
  sizeBytes: z.number().int().min(0),
  builtAt: instant,
  link: signedLink,
  linkExpiresAt: instant,
  beside: z.array(z.object({ item: z.string(), fileName: z.string(), sha256: sha256Text, link: signedLink })).meta({ description: 'Word files named in the packet and delivered beside it' }),
});

const packetContents = z.array(z.object({ itemTitle: z.string(), fileName: z.string(), sha256: z.string(), printable: z.boolean(), documentId: z.string().regex(/^\d+$/) }));

function toDocumentAnswer(document: DossierDocument): z.input<typeof documentAnswer> {
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

function toDossierAnswer(overview: DossierOverview): z.input<typeof dossierAnswer> {
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
      documents: item.documents.map(toDocumentAnswer),
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

const ideaPath = { id: 'the idea' };

export function dossierOperations(deps: DossierOperationsDeps): Operation[] {
  function requireChecklists(): readonly Checklist[] {
    if (!deps.checklists) throw new Refusal('service.unavailable', 'dossiers are not served here');
    return deps.checklists;
  }

  async function overviewOf(ideaId: bigint, checklists: readonly Checklist[]) {
    const overview = await readDossier(deps.db, { ideaId, checklists });
    if (!overview) throw new DossierNotFoundError(ideaId);
    return toDossierAnswer(overview);
  }

  async function decide(caller: Caller, ideaId: bigint, log: Logger, change: (tx: Transaction, input: { ideaId: bigint; official: string; checklists: readonly Checklist[] }) => Promise<{ outboxIds: bigint[] }>) {
    const checklists = requireChecklists();
    const { outboxIds } = await deps.db.$transaction(async (tx) => {
      await requireVisibleIdea(tx, caller, ideaId);
      return change(tx, { ideaId, official: caller.name, checklists });
    });
    // Committed: if Redis is away, the sweep sends the pending rows later.
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, log.child({ ideaId: String(ideaId) }));
    return overviewOf(ideaId, checklists);
  }

  // The commune's own documents, each at its path: Form 03 and its proposal letter.
  const communeUploads = (
    [
      ['form03', 'form03', 'uploadForm03', "The commune's Form 03, as the bare file", 'An earlier Form 03 is kept as `replaced`.'],
      ['proposal', 'communeProposal', 'uploadCommuneProposal', "The commune's letter asking the province to evaluate (Decision 26/2026, Art. 6.2a), as the bare file", 'An earlier letter is kept as `replaced`.'],
    ] as const
  ).map(([path, item, id, summary, description]) =>
    defineOperation({
      id,
      method: 'post',
      path: `/ideas/:id/dossier/${path}`,
      tag: 'dossiers',
      summary,
      description,
      ...officialsOnly,
      params: idParams,
      paramsDescription: ideaPath,
      file: { types: communeDocumentTypes, limit: '25mb', description: 'the file itself, at most 25 MB; its bytes, not the Content-Type, decide what is stored' },
      errors: ['idea.notFound', 'dossier.notFound', 'upload.empty', 'upload.refused', 'service.unavailable'],
      answer: { status: 201, schema: documentAnswer, description: 'the stored document' },
      async handle({ caller, params, file }) {
        const intake = deps.dossierIntake;
        if (!intake) throw new Refusal('service.unavailable', 'uploads are not accepted here');
        // The router refuses an empty body before this runs (`upload.empty`).
        if (!file) throw new Refusal('upload.empty', 'the body is empty: send the file itself');
        // Checked before storing, so nothing is stored for an idea the token cannot see.
        await requireVisibleIdea(deps.db, caller, params.id);
        if (!(await deps.db.dossier.findUnique({ where: { productIdeaId: params.id }, select: { id: true } }))) throw new DossierNotFoundError(params.id);
        const stored = await intake.store(file);
        if (!stored.ok) throw new Refusal('upload.refused', `the file was refused: ${stored.reason}`);
        const document = await deps.db.$transaction(async (tx) => {
          await requireVisibleIdea(tx, caller, params.id);
          return attachCommuneDocument(tx, { ideaId: params.id, item, official: caller.name, file: stored, now: deps.now() });
        });
        return toDocumentAnswer(document);
      },
    }),
  );

  return [
    defineOperation({
      id: 'getDossier',
      method: 'get',
      path: '/ideas/:id/dossier',
      tag: 'dossiers',
      summary: "The idea's dossier: checklist items, documents, open returns, packets and events",
      ...anyCaller,
      params: idParams,
      paramsDescription: ideaPath,
      errors: ['idea.notFound', 'dossier.notFound', 'service.unavailable'],
      answer: { status: 200, schema: dossierAnswer, description: 'the dossier' },
      async handle({ caller, params }) {
        const checklists = requireChecklists();
        await requireVisibleIdea(deps.db, caller, params.id);
        return overviewOf(params.id, checklists);
      },
    }),
    defineOperation({
      id: 'checkDossier',
      method: 'post',
      path: '/ideas/:id/dossier/check',
      tag: 'dossiers',
      summary: 'Mark the dossier checked',
      description: 'The producer is told.',
      ...officialsOnly,
      params: idParams,
      paramsDescription: ideaPath,
      errors: ['idea.notFound', 'dossier.notFound', 'dossier.incomplete', 'dossier.alreadyChecked', 'service.unavailable'],
      answer: { status: 200, schema: dossierAnswer, description: 'the dossier, checked' },
      handle: ({ caller, params, log }) => decide(caller, params.id, log, (tx, input) => checkDossier(tx, { ...input, now: deps.now(), translate: deps.translate })),
    }),
    defineOperation({
      id: 'returnDossierItems',
      method: 'post',
      path: '/ideas/:id/dossier/return',
      tag: 'dossiers',
      summary: "Send some of the producer's items back, each with its reason",
      description: 'One message to the producer lists them, with a button to send them again.',
      ...officialsOnly,
      params: idParams,
      paramsDescription: ideaPath,
      body: returnItemsBody,
      errors: ['idea.notFound', 'dossier.notFound', 'dossier.itemsNotReturnable', 'service.unavailable'],
      answer: { status: 200, schema: dossierAnswer, description: 'the dossier, with the items returned' },
      handle: ({ caller, params, body, log }) => decide(caller, params.id, log, (tx, input) => returnDossierItems(tx, { ...input, items: body.items, now: deps.now(), translate: deps.translate })),
    }),
    defineOperation({
      id: 'buildPacket',
      method: 'post',
      path: '/ideas/:id/dossier/packet',
      tag: 'dossiers',
      summary: "The packet of the dossier's current version, with a link signed for this token",
      description: 'Built once per version and kept, so asking again returns the same packet.',
      ...anyCaller,
      params: idParams,
      paramsDescription: ideaPath,
      errors: ['idea.notFound', 'dossier.notFound', 'dossier.empty', 'dossier.changed', 'service.unavailable'],
      answer: { status: 201, schema: packetAnswer, description: 'the packet and its link' },
      async handle({ caller, params }) {
        const packets = deps.packets;
        if (!packets) throw new Refusal('service.unavailable', 'packets are not built here');
        await requireVisibleIdea(deps.db, caller, params.id);
        // The audit trail names the official; the links are bound to this token's id, which no other token shares.
        const recipient = adminTokenRecipient(caller.tokenId);
        const packet = await packets.assemble(params.id, `admin:${caller.name}`);
        const link = packets.linkFor('packet', packet.id, recipient);
        // Word files are named in the contents and delivered beside the packet.
        const beside = packetContents.parse(packet.contents).filter((entry) => !entry.printable);
        return {
          id: String(packet.id),
          version: packet.version,
          sha256: packet.sha256,
          pageCount: packet.pageCount,
          sizeBytes: packet.sizeBytes,
          builtAt: packet.builtAt.toISOString(),
          link: link.url,
          linkExpiresAt: link.expiresAt.toISOString(),
          beside: beside.map((entry) => ({ item: entry.itemTitle, fileName: entry.fileName, sha256: entry.sha256, link: packets.linkFor('document', BigInt(entry.documentId), recipient).url })),
        };
      },
    }),
    ...communeUploads,
  ];
}
