import { replyWith, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { producerProfileAnswers } from './registration-answers.js';

/** Creates or updates the producer profile of the Zalo account in the conversation. */
export async function saveProducerProfile(input: ActionInput): Promise<ActionOutcome> {
  const a = producerProfileAnswers.parse(input.answers);
  const data = {
    kind: a.producerKind,
    name: a.producerName,
    // A cooperative group has no registration number; one left from another kind goes.
    registrationNumber: a.producerKind === 'cooperative_group' ? null : (a.registrationNumber ?? null),
    // Only a household's or a farm's representative is identified by the personal ID.
    personalId: a.producerKind === 'household' || a.producerKind === 'farm' ? (a.personalId ?? null) : null,
    representative: a.representative,
    position: a.position,
    representativeGender: a.gender ?? null,
    representativeEthnicGroup: a.ethnicGroup ?? null,
    representativePermanentAddress: a.permanentAddress ?? null,
    phone: a.phone,
    email: a.email ?? null,
    address: a.address,
    communeCode: a.communeCode,
  };
  await input.tx.producer.upsert({ where: { zaloUserId: input.userId }, create: { zaloUserId: input.userId, ...data }, update: data });
  return replyWith();
}
