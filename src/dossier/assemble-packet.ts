import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { Database } from '../db/database.js';
import type { Translate } from '../i18n/translator.js';
import { checklistFor, type Checklist } from '../ocop/dossier-checklist.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { communeLabel } from '../registration/officials-notices.js';
import { ruleSetOfDossier } from './dossier-filing.js';
import { buildPacket, type PacketInput, type PacketMediaType, type PacketResult } from './build-packet.js';
import { packetTexts } from './packet-texts.js';
import { touchDossier } from './review-dossier.js';
import { newStorageKey, type DocumentStorage } from '../storage/storage.js';
import { DomainError } from '../errors/domain-error.js';

const packetMediaTypes: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'];
function isPacketMediaType(value: string | null): value is PacketMediaType {
  return value !== null && packetMediaTypes.includes(value);
}

export class DossierEmptyError extends DomainError {
  override name = 'DossierEmptyError';
  readonly code = 'dossier.empty';
}

/** A document changed while the packet was being built: build again. */
export class DossierChangedError extends DomainError {
  override name = 'DossierChangedError';
  readonly code = 'dossier.changed';
}

export interface AssembledPacket {
  id: bigint;
  version: number;
  /** per document: item, file name, SHA-256, page range, printable, document id */
  contents: unknown;
  sha256: string;
  pageCount: number;
  sizeBytes: number;
  storageKey: string;
  builtAt: Date;
}

/**
 * The packet of a dossier's current version: built once (cover, contents with page
 * ranges and SHA-256, every stored document in checklist order) and kept; asked again for
 * the same version, the kept one is returned. Documents are read from storage one at a
 * time; the packet is built into a temporary file and streamed from there to storage, never
 * held whole in memory. It is stored before its row is written, so a row always has its bytes.
 */
export async function assemblePacket(deps: { db: Database; storage: DocumentStorage; translate: Translate; checklists: readonly Checklist[]; ruleSets: readonly RuleSet[]; now: () => Date }, ideaId: bigint, actor: string): Promise<AssembledPacket> {
  const dossier = await deps.db.dossier.findUnique({ where: { productIdeaId: ideaId }, include: { productIdea: { include: { producer: true } } } });
  if (!dossier) throw new DossierEmptyError(`idea ${ideaId} has no dossier`);
  const existing = await deps.db.dossierPacket.findUnique({ where: { dossierId_version: { dossierId: dossier.id, version: dossier.version } } });
  if (existing) return existing;

  const idea = dossier.productIdea;
  const lastEvent = await deps.db.dossierEvent.findFirst({ where: { dossierId: dossier.id }, orderBy: { id: 'desc' }, select: { id: true } });
  const order = checklistFor(deps.checklists, { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: idea.producer.kind }).map((i) => i.item);
  const stored = await deps.db.dossierDocument.findMany({ where: { dossierId: dossier.id, status: 'stored' }, orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  const exemptions = await deps.db.dossierItemExemption.findMany({ where: { dossierId: dossier.id, returnedAt: null }, orderBy: { id: 'asc' } });
  const documents = stored.filter((d) => order.includes(d.itemCode)).sort((a, b) => order.indexOf(a.itemCode) - order.indexOf(b.itemCode));
  if (documents.length === 0) throw new DossierEmptyError(`dossier ${dossier.id} has no stored document`);

  const t = (key: string) => deps.translate('vi', key);
  const commune = await deps.db.$transaction((tx) => communeLabel(tx, idea.communeCode));
  const builtAt = deps.now();
  // The cover names the decision the dossier is evaluated under, from its filing date.
  const ruleSet = await deps.db.$transaction((tx) => ruleSetOfDossier(tx, deps.ruleSets, { ...idea, dossier }, builtAt));
  const storageKey = newStorageKey('packet', 'pdf', builtAt);
  const result = await buildAndStore(deps.storage, storageKey, {
    cover: {
      title: t('packet.title'),
      lines: [
        { label: t('packet.cover.product'), value: idea.productName },
        { label: t('packet.cover.producer'), value: idea.producer.name },
        { label: t('packet.cover.commune'), value: commune.label },
        { label: t('packet.cover.receipt'), value: idea.receiptNumber },
        { label: t('packet.cover.productSet'), value: t(`ocop.set.${idea.setCode}`) },
        { label: t('packet.cover.kind'), value: t(`idea.kind.${{ new_product: 'newProduct', star_upgrade: 'starUpgrade', re_ranking: 'reRanking' }[idea.kind]}`) },
        { label: t('packet.cover.ruleSet'), value: ruleSet.title },
        // Papers the producer declared not required, with the reason, for the council to see.
        ...exemptions.map((e) => ({
          label: t('packet.cover.exempted'),
          value: deps.translate('vi', e.acceptedAt ? 'packet.cover.exemptionAccepted' : 'packet.cover.exemptionDeclared', { item: t(`dossier.item.${e.itemCode}`), reason: e.reason }),
        })),
        { label: t('packet.cover.version'), value: String(dossier.version) },
        { label: t('packet.cover.date'), value: displayDate(vietnamDateOf(builtAt)) },
      ],
    },
    texts: packetTexts(deps.translate, 'vi'),
    documents: documents.map((d, i) => {
      if (!d.storageKey || !d.sha256 || d.sizeBytes === null || !isPacketMediaType(d.mediaType)) throw new Error(`document ${d.id} is stored without its details`);
      const key = d.storageKey;
      return {
        itemTitle: t(`dossier.item.${d.itemCode}`),
        // A generated name: the sender's file name is shown nowhere it could mislead.
        fileName: `${String(i + 1).padStart(2, '0')}-${d.itemCode}-${d.position}.${key.split('.').pop() ?? 'bin'}`,
        mediaType: d.mediaType,
        sha256: d.sha256,
        sizeBytes: d.sizeBytes,
        read: async () => new Uint8Array(await buffer(await deps.storage.get(key))),
      };
    }),
  });

  const kept = await deps.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM dossier WHERE id = ${dossier.id} FOR UPDATE`;
    // Another build of the same version may have finished first: keep that one.
    const built = await tx.dossierPacket.findUnique({ where: { dossierId_version: { dossierId: dossier.id, version: dossier.version } } });
    if (built) return built;
    const latest = await tx.dossierEvent.findFirst({ where: { dossierId: dossier.id }, orderBy: { id: 'desc' }, select: { id: true } });
    if (latest?.id !== lastEvent?.id) throw new DossierChangedError(`dossier ${dossier.id} changed during the build`);
    await touchDossier(tx, dossier.id, { actor, action: 'packet_built', detail: { version: dossier.version, sha256: result.sha256 }, now: builtAt });
    return tx.dossierPacket.create({
      // Each entry keeps its document's id: Word files are delivered beside the packet by link.
      data: {
        dossierId: dossier.id,
        version: dossier.version,
        storageKey,
        sha256: result.sha256,
        sizeBytes: result.sizeBytes,
        pageCount: result.pageCount,
        contents: result.contents.map((entry, i) => ({ ...entry, documentId: String(documents[i]?.id) })),
        builtAt,
      },
    });
  }).catch(async (error: unknown) => {
    await deps.storage.delete(storageKey);
    throw error;
  });
  if (kept.storageKey !== storageKey) await deps.storage.delete(storageKey);
  return kept;
}

/**
 * Builds the packet in a directory of its own and streams the file to storage under `key`.
 * The bytes are hashed on their way out: what was stored is checked against the digest
 * computed while writing, without reading the file a second time. The directory never
 * outlives the call; nothing is left under `key` when this fails.
 */
async function buildAndStore(storage: DocumentStorage, key: string, input: PacketInput): Promise<Omit<PacketResult, 'filePath'>> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ocop-packet-'));
  try {
    const { filePath, ...packet } = await buildPacket(input, { directory });
    const digest = createHash('sha256');
    await storage.put(key, Readable.from(readHashing(filePath, digest), { objectMode: false }), { contentType: 'application/pdf', sizeBytes: packet.sizeBytes });
    if (digest.digest('hex') !== packet.sha256) {
      await storage.delete(key);
      throw new Error('the packet file changed before it was stored');
    }
    return packet;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The file's bytes as they are read, each chunk added to `digest` on its way. */
async function* readHashing(filePath: string, digest: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(filePath)) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('a file read without an encoding yields buffers');
    digest.update(chunk);
    yield chunk;
  }
}
