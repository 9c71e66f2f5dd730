import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { submitProductIdea } from '../../src/registration/submit-product-idea.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl } from '../helpers/test-env.js';

// Twenty producers of one commune submit at the same moment: the receipt numbers are
// 1..20, with no gap and no duplicate.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 24 });
const ruleSets = loadRuleSets(`${projectDir}/rules/rule-sets.yaml`, dictionaries);
const now = new Date('2026-12-31T16:30:00Z'); // 23:30 on 31/12 in Vietnam: still 2026

const answers = {
  productName: 'Bánh tráng',
  sector: 'food',
  group: 'processedFood',
  set: 'processedGrains',
  description: 'Bánh tráng phơi sương làm thủ công.',
  specialty: 'Nghề truyền thống của xã.',
  rawMaterials: 'Gạo',
  rawMaterialsLocal: 'all',
  localWorkers: 6,
  output: '1 tấn/tháng',
  packaging: 'Túi 500 g',
  market: 'Chợ và siêu thị',
  ideaKind: 'new_product',
};

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  for (let i = 1; i <= 21; i += 1) {
    await db.producer.create({
      data: { zaloUserId: `receipt-${i}`, kind: 'household', name: `Hộ ${i}`, representative: `Người ${i}`, position: 'Chủ hộ', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' },
    });
  }
});
afterAll(() => db.$disconnect());

function submit(userId: string, fail = false) {
  return db.$transaction(
    async (tx) => {
      const outcome = await submitProductIdea({ tx, userId, locale: 'vi', translate, answers, now, messageId: undefined }, ruleSets);
      if (fail) throw new Error('the turn fails after numbering');
      return outcome;
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
}

describe('receipt numbers', () => {
  it('20 concurrent submissions in one commune get 1..20/PĐK-75-26116-2026; a failed one gives its number back', async () => {
    const results = await Promise.allSettled([...Array.from({ length: 20 }, (_, i) => submit(`receipt-${i + 1}`)), submit('receipt-21', true)]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const ideas = await db.productIdea.findMany({ where: { communeCode: '26116', year: 2026 }, orderBy: { sequence: 'asc' } });
    expect(ideas.map((i) => i.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(ideas.map((i) => i.receiptNumber)).size).toBe(20);
    expect(ideas[0]?.receiptNumber).toBe('1/PĐK-75-26116-2026');
    expect(ideas.map((i) => i.producerId).sort()).toHaveLength(20);
    expect(await db.receiptCounter.findUniqueOrThrow({ where: { communeCode_year: { communeCode: '26116', year: 2026 } } })).toMatchObject({ last: 20 });
  });
});
