import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Database } from '../../src/db/database.js';
import type { DocumentStorage } from '../../src/storage/storage.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { makePdf } from './make-documents.js';

/**
 * A product ready for a meeting: HTX Tân Phú's honey (commune 26116, province 75) with a
 * checked dossier of one stored one-page PDF. Returns the product idea's id.
 */
export async function createCheckedProduct(db: Database, storage: DocumentStorage, now: Date): Promise<bigint> {
  const producer = await db.producer.create({ data: { zaloUserId: 'producer', kind: 'cooperative', name: 'HTX Tân Phú', representative: 'A', position: 'B', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' } });
  const idea = await db.productIdea.create({
    data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: 1, receiptNumber: '1/PĐK-75-26116-2026', ruleSet: 'qd-26-2026', productName: 'Mật ong', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: now },
  });
  const dossier = await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier', status: 'checked' } });
  const bytes = await makePdf({ pages: 1, label: 'Form 01' });
  const key = newStorageKey('document', 'pdf', now);
  await storage.put(key, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
  await db.dossierDocument.create({ data: { dossierId: dossier.id, itemCode: 'form01', position: 1, status: 'stored', uploadedBy: 'producer', mediaType: 'application/pdf', printable: true, sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), storageKey: key, createdAt: now } });
  return idea.id;
}
