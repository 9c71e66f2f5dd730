import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { checklistFor, type Checklist } from '../ocop/dossier-checklist.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';
import { displayAverage } from '../ocop/scoring.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { satisfiedItems } from './review-dossier.js';

/**
 * Each of the producer's products with the stage it is at, from the idea to the council's
 * result, and what the producer should do next (nothing, when others have the next step).
 */
export async function describeStatus(input: ActionInput, rules: { ruleSets: readonly RuleSet[]; checklists: readonly Checklist[] }): Promise<ActionOutcome> {
  const ideas = await input.tx.productIdea.findMany({
    where: { producer: { zaloUserId: input.userId } },
    include: {
      producer: true,
      dossier: { include: { itemReturns: { where: { resolvedAt: null }, orderBy: { id: 'asc' } } } },
      results: { where: { supersededAt: null }, orderBy: { recordedAt: 'desc' }, take: 1, include: { meeting: true } },
    },
    orderBy: { id: 'asc' },
  });
  if (ideas.length === 0) return replyWith(textOf(input, 'status.none'));
  const t = (key: string, vars?: Record<string, string>) => input.translate(input.locale, key, vars);
  const lines: string[] = [];
  for (const [i, idea] of ideas.entries()) {
    const date = displayDate(vietnamDateOf(idea.submittedAt));
    const hasPlan = idea.businessPlan !== null;
    const result = idea.results[0];
    const dossier = idea.dossier;
    let stage: string;
    // One transaction, one query at a time.
    const certificate = result ? await input.tx.certificate.findFirst({ where: { productIdeaId: idea.id }, orderBy: { id: 'desc' } }) : null;
    if (certificate) {
      stage = t('status.stage.certified', { stars: String(certificate.stars), number: certificate.number, expires: displayDate(certificate.expiresOn) });
    } else if (result?.disqualifiedReason) {
      stage = t('status.stage.disqualified', { date: displayDate(result.meeting.date), reason: result.disqualifiedReason });
    } else if (result) {
      stage = t('status.stage.evaluated', { date: displayDate(result.meeting.date), average: displayAverage(input.locale, result.scoreSumHundredths, result.scoreCount), stars: String(result.stars) });
    } else if (dossier?.status === 'checked') {
      // One transaction, one query at a time.
      const meeting = await input.tx.meeting.findFirst({ where: { status: { in: ['scheduled', 'locked'] }, products: { some: { productIdeaId: idea.id } } }, orderBy: { date: 'desc' } });
      stage = meeting
        ? t('status.stage.meeting', { date: displayDate(meeting.date), time: meeting.time })
        : t('status.stage.checked', { date: dossier.checkedAt ? displayDate(vietnamDateOf(dossier.checkedAt)) : '' });
    } else if (dossier?.status === 'returned' && dossier.itemReturns.length > 0) {
      stage = t('status.stage.dossierReturned', { items: [...new Set(dossier.itemReturns.map((r) => t(`dossier.item.${r.itemCode}`)))].join('; ') });
    } else if (dossier) {
      const have = await satisfiedItems(input.tx, dossier.id);
      const required = checklistFor(rules.checklists, { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: idea.producer.kind }).filter((item) => item.by === 'producer' && item.need === 'required');
      const counts = { have: String(required.filter((item) => have.has(item.item)).length), required: String(required.length) };
      stage = t(dossier.status === 'submitted' ? 'status.stage.dossierSubmitted' : 'status.stage.collecting', counts);
    } else if (idea.status === 'returned') {
      stage = t('status.stage.returned', { reason: idea.reviewReason ?? '' });
    } else if (idea.status === 'accepted') {
      stage = t(hasPlan ? 'status.stage.acceptedWithPlan' : 'status.stage.acceptedNoPlan');
    } else {
      stage = t(hasPlan ? 'status.stage.submittedWithPlan' : 'status.stage.submitted', { date });
    }
    // A re-ranking not yet decided: how the rule set in force decides it (Decision 26/2026, Art. 7.6).
    const reRanking = idea.kind === 're_ranking' && !result ? ruleSetInForce(rules.ruleSets, input.now)?.reRanking : undefined;
    const how = reRanking?.inWriting ? `\n${t('status.reRankingInWriting', { days: String(reRanking.decideWithinDays) })}` : '';
    lines.push(t('status.item', { n: String(i + 1), product: idea.productName, receipt: idea.receiptNumber, stage }) + how);
  }
  const revise = t('review.reviseButton');
  const message: OutgoingMessage = {
    kind: 'text',
    text: `${t('status.header')}\n\n${lines.join('\n\n')}`,
    ...(ideas.some((idea) => idea.status === 'returned') ? { buttons: [{ title: revise, action: { kind: 'reply' as const, payload: revise } }] } : {}),
  };
  return replyWith(message);
}
