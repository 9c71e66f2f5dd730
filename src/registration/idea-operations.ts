import { z } from 'zod';
import type { EthnicGroups } from '../conversation/ethnic-groups.js';
import type { Database, Transaction } from '../db/database.js';
import { Gender, ProducerKind, ProductIdeaKind, ProductIdeaStatus, type Producer, type ProductIdea } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import type { Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import { anyCaller, defineOperation, officialsOnly, type Caller, type Operation } from '../operations/operation.js';
import { communeCode, idParams, idSchema, idText, instant, maybeInstant, nfcText, anyJson } from '../operations/schemas.js';
import { ideaRegion } from '../officials/region-scope.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { maskPersonalId } from '../text/personal-id.js';
import { acceptProductIdea, returnProductIdea, type ReviewedIdea } from './review-product-idea.js';

// Product ideas through the officials' API: the region's list, one idea, and the review
// (accept, or return with a reason), after which the producer is told in Zalo.

export interface IdeaOperationsDeps {
  db: Database;
  translate: Translate;
  now: () => Date;
  /** Enqueues outbox rows; called after commit, and the sweep covers a failure. */
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** rules/ethnic-groups.yaml: a representative's ethnic group by name beside its code (code only without it). */
  ethnicGroups?: EthnicGroups;
}

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

const producerAnswer = z.object({
  name: z.string(),
  kind: z.enum(ProducerKind).meta({ description: 'who may register, Decision 26/2026/QĐ-TTg Art. 2.3; `association` registers tourism products only' }),
  phone: z.string(),
  communeCode: z.string(),
  personalId: z.string().nullable().meta({ description: "a household's (or farm's) representative's 12-digit personal ID, masked: `001*****2345`" }),
  representativeGender: z.enum(Gender).nullable().meta({ description: 'Forms 02 and 03: Giới tính (Nam/nữ)' }),
  representativeEthnicGroup: z
    .object({ code: z.string().meta({ description: 'code of Quyết định 121-TCTK/PPCĐ (1979), not 1019/QĐ-TCTK' }), name: z.string().nullable() })
    .nullable()
    .meta({ description: 'Forms 02 and 03: Dân tộc' }),
  representativePermanentAddress: z.string().nullable().meta({ description: 'Forms 02 and 03: Địa chỉ thường trú' }),
});

const ideaSummaryAnswer = z.object({
  id: idText,
  receiptNumber: z.string().meta({ description: '`<n>/PĐK-<province>-<commune>-<year>`' }),
  productName: z.string(),
  sectorCode: z.string(),
  groupCode: z.string(),
  setCode: z.string(),
  kind: z.enum(ProductIdeaKind),
  status: z.enum(ProductIdeaStatus),
  communeCode: z.string(),
  provinceCode: z.string(),
  reviewReason: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  submittedAt: instant,
  reviewedAt: maybeInstant,
  producer: producerAnswer,
});
const ideaDetailAnswer = ideaSummaryAnswer.extend({
  details: anyJson.meta({ description: "the producer's answers, as recorded" }),
  businessPlan: anyJson.meta({ description: 'null until one is given' }),
});

/**
 * The producer as officials see it, with what Forms 02 and 03 ask of the representative.
 * The personal ID is masked: officials recognise it, the API does not hand it out.
 */
function toProducerAnswer(producer: ListedIdea['producer'], ethnicGroups: EthnicGroups | undefined): z.input<typeof producerAnswer> {
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

function toIdeaSummary(idea: ListedIdea, ethnicGroups: EthnicGroups | undefined): z.input<typeof ideaSummaryAnswer> {
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
    producer: toProducerAnswer(idea.producer, ethnicGroups),
  };
}

function toIdeaDetail(idea: ListedIdea, ethnicGroups: EthnicGroups | undefined): z.input<typeof ideaDetailAnswer> {
  return { ...toIdeaSummary(idea, ethnicGroups), details: idea.details, businessPlan: idea.businessPlan };
}

/** Refuses an idea outside the caller's region as if it did not exist. */
export async function requireVisibleIdea(tx: Database | Transaction, caller: Caller, id: bigint): Promise<void> {
  const visible = await tx.productIdea.findFirst({ where: { AND: [ideaRegion(caller), { id }] }, select: { id: true } });
  if (!visible) throw new Refusal('idea.notFound', 'no such idea');
}

const listIdeasQuery = z.strictObject({
  status: z.enum(['submitted', 'accepted', 'returned']).optional(),
  communeCode: communeCode.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: idSchema.optional(),
});
const returnIdeaBody = z.strictObject({ reason: nfcText(5, 1000) });


export function ideaOperations(deps: IdeaOperationsDeps): Operation[] {
  async function review(caller: Caller, id: bigint, log: Logger, decide: (tx: Transaction) => Promise<{ idea: ReviewedIdea; outboxIds: bigint[] }>) {
    const { idea, outboxIds } = await deps.db.$transaction(async (tx) => {
      await requireVisibleIdea(tx, caller, id);
      return decide(tx);
    });
    // Committed: if Redis is away, the sweep sends the pending rows later.
    await enqueueCommitted(deps.enqueueOutbound, outboxIds, log.child({ ideaId: String(id) }));
    return toIdeaDetail(idea, deps.ethnicGroups);
  }

  return [
    defineOperation({
      id: 'listIdeas',
      method: 'get',
      path: '/ideas',
      tag: 'ideas',
      summary: "The region's product ideas, newest first",
      description: 'Paged by `cursor`: pass `nextCursor` from the previous page.',
      ...anyCaller,
      query: listIdeasQuery,
      errors: [],
      answer: { status: 200, schema: z.object({ ideas: z.array(ideaSummaryAnswer), nextCursor: idText.nullable().meta({ description: 'null on the last page' }) }), description: 'a page of ideas' },
      async handle({ caller, query }) {
        const rows = await deps.db.productIdea.findMany({
          where: { AND: [ideaRegion(caller), { status: query.status, communeCode: query.communeCode, id: query.cursor === undefined ? undefined : { lt: query.cursor } }] },
          orderBy: { id: 'desc' },
          take: query.limit + 1,
          include: { producer: { select: producerFields } },
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return { ideas: page.map((idea) => toIdeaSummary(idea, deps.ethnicGroups)), nextCursor: rows.length > query.limit && last ? String(last.id) : null };
      },
    }),
    defineOperation({
      id: 'getIdea',
      method: 'get',
      path: '/ideas/:id',
      tag: 'ideas',
      summary: 'One idea, with its details and business plan',
      ...anyCaller,
      params: idParams,
      paramsDescription: { id: 'the idea' },
      errors: ['idea.notFound'],
      answer: { status: 200, schema: ideaDetailAnswer, description: 'the idea' },
      async handle({ caller, params }) {
        const idea = await deps.db.productIdea.findFirst({ where: { AND: [ideaRegion(caller), { id: params.id }] }, include: { producer: { select: producerFields } } });
        if (!idea) throw new Refusal('idea.notFound', 'no such idea');
        return toIdeaDetail(idea, deps.ethnicGroups);
      },
    }),
    defineOperation({
      id: 'acceptIdea',
      method: 'post',
      path: '/ideas/:id/accept',
      tag: 'ideas',
      summary: 'Accept a submitted idea; the producer is told in Zalo',
      ...officialsOnly,
      params: idParams,
      paramsDescription: { id: 'the idea' },
      errors: ['idea.notFound', 'idea.notSubmitted'],
      answer: { status: 200, schema: ideaDetailAnswer, description: 'the idea, accepted' },
      handle: ({ caller, params, log }) => review(caller, params.id, log, (tx) => acceptProductIdea(tx, { ideaId: params.id, reviewer: caller.name, now: deps.now(), translate: deps.translate })),
    }),
    defineOperation({
      id: 'returnIdea',
      method: 'post',
      path: '/ideas/:id/return',
      tag: 'ideas',
      summary: 'Return a submitted idea with the reason; the producer is told in Zalo',
      ...officialsOnly,
      params: idParams,
      paramsDescription: { id: 'the idea' },
      body: returnIdeaBody,
      errors: ['idea.notFound', 'idea.notSubmitted'],
      answer: { status: 200, schema: ideaDetailAnswer, description: 'the idea, returned' },
      handle: ({ caller, params, body, log }) =>
        review(caller, params.id, log, (tx) => returnProductIdea(tx, { ideaId: params.id, reason: body.reason, reviewer: caller.name, now: deps.now(), translate: deps.translate })),
    }),
  ];
}
