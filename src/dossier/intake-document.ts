import type { Database } from '../db/database.js';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import { addToOutbox } from '../outbound/outbox.js';
import { downloadAttachment, type DownloadResult } from './download-attachment.js';
import { planFromChatIdea, storePlanFromChat } from './plan-from-chat.js';
import { touchDossier } from './review-dossier.js';
import type { DocumentStorage } from '../storage/storage.js';

export interface IntakeDeps {
  db: Database;
  storage: DocumentStorage;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  download: { maxBytes: number; timeoutMs: number; deadlineMs: number; maxRedirects: number; allowedHosts?: readonly string[] };
}

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toLocaleString('vi-VN', { maximumFractionDigits: 1 });
/** "350 KB", "2,4 MB": sizes as a phone shows them. */
const readableSize = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${megabytes(bytes)} MB`);

/** Why a download failed, as the locale key that tells the producer what to do. */
function refusalKey(result: Exclude<DownloadResult, { ok: true }>): string {
  switch (result.reason) {
    case 'too_large':
      return 'dossier.refused.tooLarge';
    case 'unsupported':
      return 'dossier.refused.unsupported';
    case 'timeout':
      return 'dossier.refused.timeout';
    // The same file sent the same way is refused the same way: the producer must send it differently.
    case 'refused_url':
      return 'dossier.refused.refusedUrl';
    default:
      return 'dossier.refused.unreachable';
  }
}

/**
 * Fetches one recorded document: downloaded outside any transaction (it may take a
 * while), then recorded as stored — or refused, with the reason — and the producer told
 * in their language. A document already settled is left alone, so a repeated job does
 * nothing twice. Returns the outbox ids to enqueue.
 */
export async function intakeDocument(deps: IntakeDeps, documentId: bigint): Promise<bigint[]> {
  const document = await deps.db.dossierDocument.findUnique({ where: { id: documentId } });
  if (!document || document.status !== 'downloading') return [];
  const fromChat = planFromChatIdea(document.sourceUrl);
  const result: DownloadResult =
    fromChat !== undefined
      ? await storePlanFromChat(deps, fromChat)
      : document.sourceUrl
        ? await downloadAttachment({ url: document.sourceUrl, storage: deps.storage, now: deps.now(), ...deps.download })
        : { ok: false, reason: 'unreachable' };

  const orphan = result.ok ? result.storageKey : undefined;
  try {
    const settled = await deps.db.$transaction(async (tx) => {
      const now = deps.now();
      const current = await tx.dossierDocument.findUnique({ where: { id: documentId } });
      if (!current || current.status !== 'downloading') return { outboxIds: [], keep: false };
      const user = await tx.zaloUser.findUnique({ where: { id: current.uploadedBy }, select: { locale: true } });
      const locale = user && isLocale(user.locale) ? user.locale : defaultLocale;
      const t = (key: string, vars?: Record<string, string>) => deps.translate(locale, key, vars);
      const item = t(`dossier.item.${current.itemCode}`);
      let text: string;
      let keep = false;
      if (!result.ok) {
        await tx.dossierDocument.update({ where: { id: documentId }, data: { status: 'refused', refusedReason: result.reason, sourceUrl: null } });
        await touchDossier(tx, current.dossierId, { actor: current.uploadedBy, action: 'document_refused', itemCode: current.itemCode, documentId, detail: { reason: result.reason }, now });
        text = t(refusalKey(result), { item, limit: megabytes(deps.download.maxBytes) });
      } else {
        const twin = await tx.dossierDocument.findFirst({ where: { dossierId: current.dossierId, sha256: result.sha256, status: 'stored' } });
        if (twin) {
          // The same file sent twice is recognised by its hash and kept once.
          await tx.dossierDocument.update({ where: { id: documentId }, data: { status: 'refused', refusedReason: 'duplicate', sha256: result.sha256, sizeBytes: result.sizeBytes, sourceUrl: null } });
          text = t('dossier.refused.duplicate', { item: t(`dossier.item.${twin.itemCode}`) });
        } else {
          await tx.dossierDocument.update({
            where: { id: documentId },
            data: { status: 'stored', storageKey: result.storageKey, sha256: result.sha256, sizeBytes: result.sizeBytes, mediaType: result.type.mediaType, printable: result.type.printable, storedAt: now, sourceUrl: null },
          });
          await touchDossier(tx, current.dossierId, { actor: current.uploadedBy, action: 'document_added', itemCode: current.itemCode, documentId, now });
          const pages = await tx.dossierDocument.count({ where: { dossierId: current.dossierId, itemCode: current.itemCode, status: 'stored' } });
          text =
            fromChat !== undefined
              ? t('dossier.planFromChat.stored', { item, size: readableSize(result.sizeBytes) })
              : [t('dossier.received', { item, count: String(pages), size: readableSize(result.sizeBytes) }), ...(result.type.printable ? [] : [t('dossier.received.notPrintable')]), t('dossier.received.next')].join('\n');
          keep = true;
        }
      }
      const outboxIds = await addToOutbox(tx, [{ idempotencyKey: `document:${documentId}:settled`, recipient: current.uploadedBy, message: { kind: 'text', text } }], now);
      return { outboxIds, keep };
    });
    if (orphan && !settled.keep) await deps.storage.delete(orphan);
    return settled.outboxIds;
  } catch (error) {
    // Nothing recorded: the stored copy would belong to no row. The job runs again.
    if (orphan) await deps.storage.delete(orphan).catch((err: unknown) => deps.logger.warn({ err, storageKey: orphan }, 'could not remove an unrecorded upload'));
    throw error;
  }
}
