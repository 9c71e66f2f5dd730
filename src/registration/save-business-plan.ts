import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { businessPlanAnswers } from './registration-answers.js';

/** Stores the guided business-plan outline with the producer's idea. */
export async function saveBusinessPlan(input: ActionInput): Promise<ActionOutcome> {
  const { ideaId, ...outline } = businessPlanAnswers.parse(input.answers);
  const idea = await input.tx.productIdea.findFirst({ where: { id: BigInt(ideaId), producer: { zaloUserId: input.userId } } });
  if (!idea) return replyWith(textOf(input, 'plan.ideaGone'));
  await input.tx.productIdea.update({ where: { id: idea.id }, data: { businessPlan: { ...outline, givenAt: input.now.toISOString() } } });
  return replyWith(textOf(input, 'plan.saved', { product: idea.productName, receipt: idea.receiptNumber }));
}
