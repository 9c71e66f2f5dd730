import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';
import { displayAverage } from '../ocop/scoring.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';

/** Each of the producer's ideas with its stage and what it waits for. */
export async function describeStatus(input: ActionInput, ruleSets: readonly RuleSet[]): Promise<ActionOutcome> {
  const ideas = await input.tx.productIdea.findMany({
    where: { producer: { zaloUserId: input.userId } },
    include: { results: { where: { supersededAt: null }, orderBy: { recordedAt: 'desc' }, take: 1, include: { meeting: true } } },
    orderBy: { id: 'asc' },
  });
  if (ideas.length === 0) return replyWith(textOf(input, 'status.none'));
  const t = (key: string, vars?: Record<string, string>) => input.translate(input.locale, key, vars);
  const lines = ideas.map((idea, i) => {
    const date = displayDate(vietnamDateOf(idea.submittedAt));
    const hasPlan = idea.businessPlan !== null;
    const result = idea.results[0];
    const stage = result
      ? t('status.stage.evaluated', { date: displayDate(result.meeting.date), average: displayAverage(input.locale, result.scoreSumHundredths, result.scoreCount), stars: String(result.stars) })
      : idea.status === 'returned'
        ? t('status.stage.returned', { reason: idea.reviewReason ?? '' })
        : idea.status === 'accepted'
          ? t(hasPlan ? 'status.stage.acceptedWithPlan' : 'status.stage.acceptedNoPlan')
          : t(hasPlan ? 'status.stage.submittedWithPlan' : 'status.stage.submitted', { date });
    // A re-ranking not yet decided: how the rule set in force decides it (Decision 26/2026, Art. 7.6).
    const reRanking = idea.kind === 're_ranking' && !result ? ruleSetInForce(ruleSets, input.now)?.reRanking : undefined;
    const how = reRanking?.inWriting ? `\n${t('status.reRankingInWriting', { days: String(reRanking.decideWithinDays) })}` : '';
    return t('status.item', { n: String(i + 1), product: idea.productName, receipt: idea.receiptNumber, stage }) + how;
  });
  const revise = t('review.reviseButton');
  const message: OutgoingMessage = {
    kind: 'text',
    text: `${t('status.header')}\n\n${lines.join('\n\n')}`,
    ...(ideas.some((idea) => idea.status === 'returned') ? { buttons: [{ title: revise, action: { kind: 'reply' as const, payload: revise } }] } : {}),
  };
  return replyWith(message);
}
