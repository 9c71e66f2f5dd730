import { z } from 'zod';
import type { ProducerFacts } from '../conversation/producer-facts.js';
import type { RawTransaction } from '../db/raw-transaction.js';
import { producerKindSchema } from '../ocop/producer-kinds.js';
import { productIdeaDetails } from './registration-answers.js';

// Read at every conversation turn, so it is one query: the producer with its ideas, each
// idea with its dossier's item codes, built as JSON by Postgres (a nested Prisma include
// costs one round trip per relation, six in all).
const factsRow = z.object({
  kind: producerKindSchema,
  name: z.string(),
  registrationNumber: z.string().nullable(),
  personalId: z.string().nullable(),
  representative: z.string(),
  position: z.string(),
  gender: z.string().nullable(),
  ethnicGroup: z.string().nullable(),
  permanentAddress: z.string().nullable(),
  phone: z.string(),
  email: z.string().nullable(),
  address: z.string(),
  communeCode: z.string(),
  ideas: z.array(
    z.object({
      id: z.string(),
      productName: z.string(),
      receiptNumber: z.string(),
      status: z.string(),
      details: z.unknown(),
      ruleSet: z.string(),
      kind: z.enum(['new_product', 'star_upgrade', 're_ranking']),
      sectorCode: z.string(),
      groupCode: z.string(),
      setCode: z.string(),
      dossier: z.object({ status: z.string(), documents: z.array(z.string()), returned: z.array(z.string()), exempted: z.array(z.string()) }).nullable(),
      planFromChat: z.boolean(),
    }),
  ),
});

export async function loadProducerFacts(tx: RawTransaction, userId: string): Promise<ProducerFacts> {
  const rows = await tx.$queryRaw<unknown[]>`
    SELECT p.kind::text AS kind, p.name, p.registration_number AS "registrationNumber", p.personal_id AS "personalId",
           p.representative, p.position, p.representative_gender::text AS gender, p.representative_ethnic_group AS "ethnicGroup",
           p.representative_permanent_address AS "permanentAddress", p.phone, p.email, p.address, p.commune_code AS "communeCode",
           COALESCE((
             SELECT json_agg(json_build_object(
                      'id', i.id::text, 'productName', i.product_name, 'receiptNumber', i.receipt_number, 'status', i.status::text,
                      'details', i.details, 'ruleSet', i.rule_set, 'kind', i.kind::text, 'sectorCode', i.sector_code,
                      'groupCode', i.group_code, 'setCode', i.set_code, 'planFromChat', i.business_plan IS NOT NULL,
                      'dossier', (
                        SELECT json_build_object(
                                 'status', d.status::text,
                                 'documents', COALESCE((SELECT json_agg(x.item_code) FROM dossier_document x WHERE x.dossier_id = d.id AND x.status IN ('stored', 'downloading')), '[]'::json),
                                 'returned', COALESCE((SELECT json_agg(r.item_code ORDER BY r.id) FROM dossier_item_return r WHERE r.dossier_id = d.id AND r.resolved_at IS NULL), '[]'::json),
                                 'exempted', COALESCE((SELECT json_agg(e.item_code ORDER BY e.id) FROM dossier_item_exemption e WHERE e.dossier_id = d.id AND e.returned_at IS NULL), '[]'::json))
                        FROM dossier d WHERE d.product_idea_id = i.id))
                    ORDER BY i.id)
             FROM product_idea i WHERE i.producer_id = p.id), '[]'::json) AS ideas
    FROM producer p WHERE p.zalo_user_id = ${userId}`;
  if (rows.length === 0) return { profile: undefined, producerKind: undefined, ideas: [], revision: undefined };
  const producer = factsRow.parse(rows[0]);
  const profile = Object.fromEntries(
    Object.entries({
      producerKind: producer.kind,
      producerName: producer.name,
      // A farm gives a tax code or, without one, its representative's personal ID.
      ...(producer.kind === 'farm' ? { farmIdentifier: producer.personalId !== null ? 'personalId' : 'taxCode' } : {}),
      registrationNumber: producer.registrationNumber,
      personalId: producer.personalId,
      representative: producer.representative,
      position: producer.position,
      gender: producer.gender,
      ethnicGroup: producer.ethnicGroup,
      permanentAddress: producer.permanentAddress,
      phone: producer.phone,
      email: producer.email,
      address: producer.address,
      communeCode: producer.communeCode,
    }).filter(([, value]) => value !== null),
  );
  const returned = producer.ideas.filter((idea) => idea.status === 'returned').at(-1);
  const details = returned ? productIdeaDetails.safeParse(returned.details) : undefined;
  const revision =
    returned && details?.success
      ? { ...details.data, productName: returned.productName, sector: returned.sectorCode, group: returned.groupCode, set: returned.setCode, ideaKind: returned.kind, $ideaId: returned.id }
      : undefined;
  return {
    profile,
    producerKind: producer.kind,
    ideas: producer.ideas.map((idea) => ({
      id: idea.id,
      productName: idea.productName,
      receiptNumber: idea.receiptNumber,
      subject: { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: producer.kind },
      dossier: idea.dossier
        ? {
            status: idea.dossier.status,
            documents: idea.dossier.documents.reduce<Record<string, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {}),
            returned: idea.dossier.returned,
            exempted: idea.dossier.exempted,
          }
        : undefined,
      planFromChat: idea.planFromChat,
    })),
    revision,
  };
}
