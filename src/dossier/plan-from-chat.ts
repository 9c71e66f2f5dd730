import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import { chatPlanItem } from '../ocop/dossier-checklist.js';
import type { Translate } from '../i18n/translator.js';
import { newStorageKey, type DocumentStorage } from '../storage/storage.js';
import type { DownloadResult } from './download-attachment.js';
import { renderBusinessPlanPdf } from './render-business-plan.js';

// The business plan a producer gave in the chat stands in for the dossier's plan item: a
// document row whose source is the idea rather than a Zalo attachment, made into a PDF by
// the intake worker like any document is fetched. Made once per dossier: a file the
// producer sends for the item, or the commune sending the item back, is never overwritten.

const planItem = chatPlanItem;
const scheme = 'chat-plan:';

const givenPlan = z.object({ market: z.string(), production: z.string(), rawMaterials: z.string(), finance: z.string(), risks: z.string(), givenAt: z.iso.datetime() });

/** The idea whose chat plan a document's source names, if it names one. */
export function planFromChatIdea(sourceUrl: string | null): bigint | undefined {
  return sourceUrl?.startsWith(scheme) && /^\d{1,18}$/.test(sourceUrl.slice(scheme.length)) ? BigInt(sourceUrl.slice(scheme.length)) : undefined;
}

/**
 * Records the chat's plan as the plan item of the idea's dossier, when the idea has one,
 * the item holds nothing, is not sent back, and was never filled from the chat before.
 * Returns the document to make, for the intake worker.
 */
export async function addPlanFromChat(tx: Transaction, input: { dossierId: bigint; idea: { id: bigint; businessPlan: unknown }; userId: string; now: Date }): Promise<bigint | undefined> {
  if (!givenPlan.safeParse(input.idea.businessPlan).success) return undefined;
  const held = await tx.dossierDocument.count({ where: { dossierId: input.dossierId, itemCode: planItem, status: { in: ['stored', 'downloading'] } } });
  const returned = await tx.dossierItemReturn.count({ where: { dossierId: input.dossierId, itemCode: planItem, resolvedAt: null } });
  if (held > 0 || returned > 0) return undefined;
  const made = await tx.dossierDocument.createMany({
    data: [{ dossierId: input.dossierId, itemCode: planItem, position: 1, sourceMessageId: `${scheme}${input.dossierId}`, attachmentIndex: 0, sourceUrl: `${scheme}${input.idea.id}`, uploadedBy: input.userId, originalName: 'phuong-an-kinh-doanh.pdf', createdAt: input.now }],
    skipDuplicates: true,
  });
  if (made.count === 0) return undefined;
  const row = await tx.dossierDocument.findFirstOrThrow({ where: { sourceMessageId: `${scheme}${input.dossierId}`, attachmentIndex: 0 }, select: { id: true } });
  return row.id;
}

/** Makes the PDF of the idea's chat plan and stores it, as a download would store a file. */
export async function storePlanFromChat(deps: { db: { productIdea: Transaction['productIdea'] }; storage: DocumentStorage; translate: Translate; now: () => Date }, ideaId: bigint): Promise<DownloadResult> {
  const idea = await deps.db.productIdea.findUnique({ where: { id: ideaId }, include: { producer: true } });
  const plan = givenPlan.safeParse(idea?.businessPlan);
  if (!idea || !plan.success) return { ok: false, reason: 'unreachable' };
  // The dossier is read by the commune and the council: in Vietnamese, whatever the producer's language.
  const t = (key: string) => deps.translate('vi', key);
  const bytes = await renderBusinessPlanPdf({
    productName: idea.productName,
    receiptNumber: idea.receiptNumber,
    producerName: idea.producer.name,
    representative: idea.producer.representative,
    givenAt: new Date(plan.data.givenAt),
    sections: (['market', 'production', 'rawMaterials', 'finance', 'risks'] as const).map((field) => ({ heading: t(`plan.summary.${field}`), text: plan.data[field] })),
    texts: { title: t('plan.pdf.title'), product: t('plan.summary.idea'), receipt: t('plan.pdf.receipt'), producer: t('plan.pdf.producer'), representative: t('plan.pdf.representative'), source: t('plan.pdf.source') },
  });
  const storageKey = newStorageKey('document', 'pdf', deps.now());
  await deps.storage.put(storageKey, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
  return { ok: true, storageKey, sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), type: { kind: 'accepted', mediaType: 'application/pdf', extension: 'pdf', printable: true } };
}
