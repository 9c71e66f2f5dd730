import type { ProducerFacts } from '../conversation/producer-facts.js';
import type { Transaction } from '../db/database.js';
import { productIdeaDetails } from './registration-answers.js';

export async function loadProducerFacts(tx: Transaction, userId: string): Promise<ProducerFacts> {
  const producer = await tx.producer.findUnique({
    where: { zaloUserId: userId },
    include: {
      ideas: {
        orderBy: { id: 'asc' },
        include: {
          dossier: {
            include: {
              documents: { where: { status: { in: ['stored', 'downloading'] } }, select: { itemCode: true } },
              itemReturns: { where: { resolvedAt: null }, select: { itemCode: true } },
              exemptions: { where: { returnedAt: null }, select: { itemCode: true } },
            },
          },
        },
      },
    },
  });
  if (!producer) return { profile: undefined, producerKind: undefined, ideas: [], revision: undefined };
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
      gender: producer.representativeGender,
      ethnicGroup: producer.representativeEthnicGroup,
      permanentAddress: producer.representativePermanentAddress,
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
      ? { ...details.data, productName: returned.productName, sector: returned.sectorCode, group: returned.groupCode, set: returned.setCode, ideaKind: returned.kind, $ideaId: String(returned.id) }
      : undefined;
  return {
    profile,
    producerKind: producer.kind,
    ideas: producer.ideas.map((idea) => ({
      id: String(idea.id),
      productName: idea.productName,
      receiptNumber: idea.receiptNumber,
      subject: { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: producer.kind },
      dossier: idea.dossier
        ? {
            status: idea.dossier.status,
            documents: idea.dossier.documents.reduce<Record<string, number>>((counts, d) => ({ ...counts, [d.itemCode]: (counts[d.itemCode] ?? 0) + 1 }), {}),
            returned: idea.dossier.itemReturns.map((r) => r.itemCode),
            exempted: idea.dossier.exemptions.map((e) => e.itemCode),
          }
        : undefined,
    })),
    revision,
  };
}
