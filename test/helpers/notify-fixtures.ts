import type { Database } from '../../src/db/database.js';

// People and products for reminder tests, written straight to Postgres: the tests are
// about what the reminders do with them, not how they were registered.

export async function linkedUser(db: Database, id: string, lastInteractionAt: Date | null, locale = 'vi') {
  return db.zaloUser.upsert({ where: { id }, create: { id, locale, following: true, lastInteractionAt }, update: { lastInteractionAt, locale } });
}

export async function makeProducer(db: Database, zaloUserId: string, options: { phone?: string; communeCode?: string } = {}) {
  return db.producer.create({
    data: { zaloUserId, kind: 'cooperative', name: `HTX ${zaloUserId}`, representative: 'Nguyễn Văn An', position: 'Giám đốc', phone: options.phone ?? '84912000001', address: 'Ấp 1', communeCode: options.communeCode ?? '26116' },
  });
}

let sequence = 0;

/** A new-product idea of a producer in Đồng Nai, submitted at `submittedAt`, with an empty dossier. */
export async function makeIdea(db: Database, producerId: bigint, submittedAt: Date, options: { status?: 'submitted' | 'accepted' | 'returned'; businessPlan?: boolean; dossier?: 'collecting' | 'submitted' | 'checked' | 'returned' } = {}) {
  sequence += 1;
  const idea = await db.productIdea.create({
    data: {
      producerId,
      communeCode: '26116',
      provinceCode: '75',
      year: 2026,
      sequence,
      receiptNumber: `${sequence}/PĐK-75-26116-2026`,
      ruleSet: 'qd-26-2026',
      productName: `Mật ong số ${sequence}`,
      sectorCode: 'food',
      groupCode: 'rawFood',
      setCode: 'honeyRawOther',
      kind: 'new_product',
      details: {},
      status: options.status ?? 'accepted',
      ...(options.businessPlan ? { businessPlan: { summary: 'phương án' } } : {}),
      submittedAt,
    },
  });
  if (options.dossier) {
    const dossier = await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier', status: options.dossier, createdAt: submittedAt } });
    // As the producer's submission writes it: the commune's 15 working days count from it.
    if (options.dossier === 'submitted') await db.dossierEvent.create({ data: { dossierId: dossier.id, version: 1, actor: 'producer', action: 'submitted', at: submittedAt } });
  }
  return idea;
}

export async function makeOfficial(db: Database, role: 'commune' | 'province' | 'secretary', zaloUserId: string | null) {
  return db.official.create({ data: { name: `Cán bộ ${zaloUserId ?? role}`, role, provinceCode: '75', communeCode: role === 'commune' ? '26116' : null, zaloUserId, linkedAt: zaloUserId ? new Date('2026-01-05T02:00:00Z') : null } });
}
