import type { Transaction } from '../db/database.js';
import type { Dossier, DossierDocument, DossierEvent, DossierItemExemption, DossierItemReturn, DossierPacket, Prisma, Producer, ProductIdea } from '../db/generated/client.js';
import { defaultLocale, isLocale, type Locale, type Translate } from '../i18n/translator.js';
import { checklistFor, type Checklist, type ChecklistItem } from '../ocop/dossier-checklist.js';
import { composeReplies } from '../outbound/compose-replies.js';
import { addToOutbox } from '../outbound/outbox.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { DomainError } from '../errors/domain-error.js';

// The officials' side of a product dossier: what it holds against its checklist, the
// commune's check, items sent back to the producer, and the commune's own Form 03.

/** A file the commune uploaded, once stored: only its bytes decide what it is. */
export interface StoredFile {
  storageKey: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  printable: boolean;
}

/** Stores the bytes of an official's upload; refuses what is not a PDF, JPEG or PNG. */
export interface Form03Intake {
  store(bytes: Uint8Array): Promise<({ ok: true } & StoredFile) | { ok: false; reason: string }>;
}

export class DossierNotFoundError extends DomainError {
  override name = 'DossierNotFoundError';
  readonly code = 'dossier.notFound';
  constructor(readonly ideaId: bigint) {
    super(`product idea ${ideaId} has no dossier yet`);
  }
}

/** A check would pass a dossier the council cannot evaluate, or one the producer is still redoing. */
export class DossierIncompleteError extends DomainError {
  override name = 'DossierIncompleteError';
  readonly code = 'dossier.incomplete';
  constructor(
    readonly missing: string[],
    readonly returned: string[],
  ) {
    const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', returned.length > 0 ? `returned and not sent again ${returned.join(', ')}` : ''];
    super(`the dossier cannot be checked: ${parts.filter(Boolean).join('; ')}`);
  }
}

/** A second check would tell the producer twice. */
export class DossierAlreadyCheckedError extends DomainError {
  override name = 'DossierAlreadyCheckedError';
  readonly code = 'dossier.alreadyChecked';
  constructor(readonly ideaId: bigint) {
    super(`the dossier of product idea ${ideaId} is already checked`);
  }
}

/** Items that are not the producer's in this dossier's checklist, with their place in the request. */
export class DossierItemsNotReturnableError extends DomainError {
  override name = 'DossierItemsNotReturnableError';
  readonly code = 'dossier.itemsNotReturnable';
  constructor(readonly items: { index: number; item: string }[]) {
    super(`not items the producer sends for this dossier: ${items.map((i) => i.item).join(', ')}`);
  }

  override inputIssues() {
    return this.items.map(({ index, item }) => ({ path: `items.${index}.item`, message: `${item} is not an item the producer sends for this dossier` }));
  }
}

export interface DossierItemState extends ChecklistItem {
  /** stored, downloading and refused documents, in page order; replaced ones are history */
  documents: DossierDocument[];
  /** returns not yet answered by a new document */
  returns: DossierItemReturn[];
  /** the producer's declaration that the item is not asked of them, unless sent back */
  exemption: DossierItemExemption | null;
}

export interface DossierOverview {
  dossier: Dossier;
  items: DossierItemState[];
  /** every required producer item has at least one stored document, or a declaration standing for it */
  complete: boolean;
  packets: DossierPacket[];
  /** the latest first */
  events: DossierEvent[];
}

export interface DossierChange {
  /** a Zalo user id, or "admin:<token name>" */
  actor: string;
  action: string;
  itemCode?: string;
  documentId?: bigint;
  detail?: Prisma.InputJsonValue;
  now: Date;
}

interface OfficialAction {
  ideaId: bigint;
  /** the API token's name */
  official: string;
  checklists: readonly Checklist[];
  now: Date;
  translate: Translate;
}

export interface ReturnedItem {
  item: string;
  reason: string;
}

const eventsShown = 50;

function officialActor(official: string): string {
  return `admin:${official}`;
}

// Row lock: checks, returns and uploads of one dossier happen one at a time; a packet
// build that takes the same lock sees a version no change can slip into.
async function lockDossier(tx: Transaction, dossierId: bigint): Promise<void> {
  const locked = await tx.$executeRaw`SELECT 1 FROM dossier WHERE id = ${dossierId} FOR UPDATE`;
  if (locked === 0) throw new Error(`dossier ${dossierId} does not exist`);
}

async function lockIdeaDossier(tx: Transaction, ideaId: bigint): Promise<Dossier & { productIdea: ProductIdea & { producer: Producer } }> {
  const locked = await tx.$executeRaw`SELECT 1 FROM dossier WHERE product_idea_id = ${ideaId} FOR UPDATE`;
  if (locked === 0) throw new DossierNotFoundError(ideaId);
  return tx.dossier.findUniqueOrThrow({ where: { productIdeaId: ideaId }, include: { productIdea: { include: { producer: true } } } });
}

function itemsOf(checklists: readonly Checklist[], idea: ProductIdea & { producer: Producer }): ChecklistItem[] {
  return checklistFor(checklists, { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: idea.producer.kind });
}

async function producerLocale(tx: Transaction, zaloUserId: string): Promise<Locale> {
  const user = await tx.zaloUser.findUnique({ where: { id: zaloUserId }, select: { locale: true } });
  return user && isLocale(user.locale) ? user.locale : defaultLocale;
}

/**
 * Records a change to a dossier's contents. The first change after a packet was built
 * starts a new version, so the packet stays exactly what was sent; every caller that
 * changes documents goes through here. Returns the event, with the version it belongs to.
 */
export async function touchDossier(tx: Transaction, dossierId: bigint, change: DossierChange): Promise<DossierEvent> {
  await lockDossier(tx, dossierId);
  const { version } = await tx.dossier.findUniqueOrThrow({ where: { id: dossierId }, select: { version: true } });
  const built = await tx.dossierPacket.findUnique({ where: { dossierId_version: { dossierId, version } }, select: { id: true } });
  const updated = await tx.dossier.update({ where: { id: dossierId }, data: { version: built ? { increment: 1 } : undefined, updatedAt: change.now }, select: { version: true } });
  return tx.dossierEvent.create({
    data: { dossierId, version: updated.version, actor: change.actor, action: change.action, itemCode: change.itemCode, documentId: change.documentId, detail: change.detail, at: change.now },
  });
}

/** Items that have a stored document, or a declaration that they are not asked (not sent back). */
export async function satisfiedItems(tx: Transaction, dossierId: bigint): Promise<Set<string>> {
  // One after the other: a transaction is one connection, which runs one query at a time.
  const rows = await tx.dossierDocument.findMany({ where: { dossierId, status: 'stored' }, select: { itemCode: true }, distinct: ['itemCode'] });
  const exempt = await tx.dossierItemExemption.findMany({ where: { dossierId, returnedAt: null }, select: { itemCode: true } });
  return new Set([...rows.map((r) => r.itemCode), ...exempt.map((e) => e.itemCode)]);
}

/** The dossier of an idea against its checklist, or null when the producer has not started one. */
export async function readDossier(tx: Transaction, input: { ideaId: bigint; checklists: readonly Checklist[] }): Promise<DossierOverview | null> {
  const dossier = await tx.dossier.findUnique({
    where: { productIdeaId: input.ideaId },
    include: {
      productIdea: { include: { producer: true } },
      documents: { where: { status: { not: 'replaced' } }, orderBy: [{ position: 'asc' }, { id: 'asc' }] },
      itemReturns: { where: { resolvedAt: null }, orderBy: { id: 'asc' } },
      exemptions: { where: { returnedAt: null }, orderBy: { id: 'asc' } },
      packets: { orderBy: { version: 'asc' } },
      events: { orderBy: { id: 'desc' }, take: eventsShown },
    },
  });
  if (!dossier) return null;
  const { productIdea, documents, itemReturns, exemptions, packets, events, ...row } = dossier;
  const items = itemsOf(input.checklists, productIdea).map((item) => ({
    ...item,
    documents: documents.filter((d) => d.itemCode === item.item),
    returns: itemReturns.filter((r) => r.itemCode === item.item),
    exemption: exemptions.filter((e) => e.itemCode === item.item).at(-1) ?? null,
  }));
  const complete = items.every((i) => i.by !== 'producer' || i.need !== 'required' || i.documents.some((d) => d.status === 'stored') || i.exemption !== null);
  return { dossier: row, items, complete, packets, events };
}

/**
 * Marks a dossier checked once every required item (the producer's and the commune's
 * Form 03) has a stored document and no item is waiting to be redone; tells the producer.
 */
export async function checkDossier(tx: Transaction, input: OfficialAction): Promise<{ outboxIds: bigint[] }> {
  const dossier = await lockIdeaDossier(tx, input.ideaId);
  if (dossier.status === 'checked') throw new DossierAlreadyCheckedError(input.ideaId);
  const idea = dossier.productIdea;
  // A declaration that an item is not asked of the producer stands for it; checking accepts it.
  const stored = await satisfiedItems(tx, dossier.id);
  const missing = itemsOf(input.checklists, idea)
    .filter((i) => i.need === 'required' && !stored.has(i.item))
    .map((i) => i.item);
  const open = await tx.dossierItemReturn.findMany({ where: { dossierId: dossier.id, resolvedAt: null }, select: { itemCode: true }, orderBy: { id: 'asc' } });
  const returned = [...new Set(open.map((r) => r.itemCode))];
  if (missing.length > 0 || returned.length > 0) throw new DossierIncompleteError(missing, returned);

  await tx.dossier.update({ where: { id: dossier.id }, data: { status: 'checked', checkedBy: input.official, checkedAt: input.now } });
  await tx.dossierItemExemption.updateMany({ where: { dossierId: dossier.id, returnedAt: null, acceptedAt: null }, data: { acceptedAt: input.now } });
  await tx.dossierEvent.create({ data: { dossierId: dossier.id, version: dossier.version, actor: officialActor(input.official), action: 'checked', at: input.now } });
  const locale = await producerLocale(tx, idea.producer.zaloUserId);
  const message: OutgoingMessage = { kind: 'text', text: input.translate(locale, 'dossier.checked', { product: idea.productName, receipt: idea.receiptNumber }) };
  const outboxIds = await addToOutbox(tx, [{ idempotencyKey: `dossier:${dossier.id}:checked:${input.now.getTime()}`, recipient: idea.producer.zaloUserId, message }], input.now);
  return { outboxIds };
}

/**
 * Sends items back to the producer, each with its reason, in one message in their
 * language with a button to start sending them again.
 */
export async function returnDossierItems(tx: Transaction, input: OfficialAction & { items: ReturnedItem[] }): Promise<{ outboxIds: bigint[] }> {
  const dossier = await lockIdeaDossier(tx, input.ideaId);
  const idea = dossier.productIdea;
  const producerItems = new Set(
    itemsOf(input.checklists, idea)
      .filter((i) => i.by === 'producer')
      .map((i) => i.item),
  );
  const unknown = input.items.flatMap(({ item }, index) => (producerItems.has(item) ? [] : [{ index, item }]));
  if (unknown.length > 0) throw new DossierItemsNotReturnableError(unknown);

  const actor = officialActor(input.official);
  // No longer checked: the check is in the events, with who did it.
  await tx.dossier.update({ where: { id: dossier.id }, data: { status: 'returned', checkedBy: null, checkedAt: null } });
  await tx.dossierItemReturn.createMany({ data: input.items.map(({ item, reason }) => ({ dossierId: dossier.id, itemCode: item, reason, returnedBy: actor, returnedAt: input.now })) });
  // Sending back an item the producer declared not required refuses the declaration.
  await tx.dossierItemExemption.updateMany({ where: { dossierId: dossier.id, itemCode: { in: input.items.map((i) => i.item) }, returnedAt: null }, data: { returnedAt: input.now } });
  await tx.dossierEvent.createMany({
    data: input.items.map(({ item, reason }) => ({ dossierId: dossier.id, version: dossier.version, actor, action: 'item_returned', itemCode: item, detail: { reason }, at: input.now })),
  });

  const locale = await producerLocale(tx, idea.producer.zaloUserId);
  const lines = input.items.map(({ item, reason }) => input.translate(locale, 'dossier.returnedItem', { item: input.translate(locale, `dossier.item.${item}`), reason }));
  const resume = input.translate(locale, 'dossier.continueButton');
  const message: OutgoingMessage = {
    kind: 'text',
    text: input.translate(locale, 'dossier.returned', { product: idea.productName, receipt: idea.receiptNumber, items: lines.join('\n') }),
    buttons: [{ title: resume, action: { kind: 'reply', payload: resume } }],
  };
  // Many long reasons can pass Zalo's length limit: then it goes in parts, the button on the last.
  const parts = composeReplies([message]);
  const outboxIds = await addToOutbox(
    tx,
    parts.map((part, index) => ({ idempotencyKey: `dossier:${dossier.id}:returned:${input.now.getTime()}:${index}`, recipient: idea.producer.zaloUserId, message: part })),
    input.now,
  );
  return { outboxIds };
}

/** The documents the commune itself adds to a dossier (Decision 26/2026, Art. 6.2 a and b). */
export const communeItems = ['form03', 'communeProposal'] as const;
export type CommuneItem = (typeof communeItems)[number];

/**
 * Attaches one of the commune's own documents (already stored): Form 03 or its proposal
 * letter to the province. An earlier one of the same item becomes history.
 */
export async function attachCommuneDocument(tx: Transaction, input: { ideaId: bigint; item: CommuneItem; official: string; file: StoredFile; now: Date }): Promise<DossierDocument> {
  const dossier = await lockIdeaDossier(tx, input.ideaId);
  const item = input.item;
  const previous = await tx.dossierDocument.findMany({ where: { dossierId: dossier.id, itemCode: item, status: { not: 'replaced' } }, select: { id: true } });
  if (previous.length > 0) {
    await tx.dossierDocument.updateMany({ where: { id: { in: previous.map((d) => d.id) } }, data: { status: 'replaced', replacedAt: input.now } });
  }
  const { _max } = await tx.dossierDocument.aggregate({ where: { dossierId: dossier.id, itemCode: item }, _max: { position: true } });
  const actor = officialActor(input.official);
  const document = await tx.dossierDocument.create({
    data: {
      dossierId: dossier.id,
      itemCode: item,
      position: (_max.position ?? 0) + 1,
      status: 'stored',
      uploadedBy: actor,
      mediaType: input.file.mediaType,
      printable: input.file.printable,
      sizeBytes: input.file.sizeBytes,
      sha256: input.file.sha256,
      storageKey: input.file.storageKey,
      createdAt: input.now,
      storedAt: input.now,
    },
  });
  await touchDossier(tx, dossier.id, {
    actor,
    action: previous.length > 0 ? 'document_replaced' : 'document_added',
    itemCode: item,
    documentId: document.id,
    detail: previous.length > 0 ? { replaced: previous.map((d) => String(d.id)) } : undefined,
    now: input.now,
  });
  return document;
}
