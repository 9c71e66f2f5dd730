import type { Transaction } from '../db/database.js';
import { vietnamDateOf } from '../calendar/calendar-date.js';
import { findProductSet, ruleSetInForce, sectorsOpenTo, type RuleSet } from '../ocop/rule-sets.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { communeLabel, noticesToOfficials } from './officials-notices.js';
import { productIdeaAnswers } from './registration-answers.js';

/**
 * The next receipt sequence of a commune's year. The counter row is locked until the
 * submitting transaction ends, so concurrent submissions queue on it, and a rolled-back
 * one gives its number back: no gaps, no duplicates.
 */
export async function nextReceiptSequence(tx: Transaction, communeCode: string, year: number): Promise<number> {
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO receipt_counter (commune_code, year, last) VALUES (${communeCode}, ${year}, 1)
    ON CONFLICT (commune_code, year) DO UPDATE SET last = receipt_counter.last + 1
    RETURNING last`;
  const last = rows[0]?.last;
  if (last === undefined) throw new Error('the receipt counter returned no row');
  return last;
}

/** "<n>/PĐK-<province code>-<commune code>-<year>", as the programme numbers registrations. */
export function formatReceiptNumber(sequence: number, provinceCode: string, communeCode: string, year: number): string {
  return `${sequence}/PĐK-${provinceCode}-${communeCode}-${year}`;
}

/**
 * Registers the idea in the conversation (or resubmits one the commune sent back): the
 * producer gets the receipt number, the commune's officials a notice.
 */
export async function submitProductIdea(input: ActionInput, ruleSets: readonly RuleSet[]): Promise<ActionOutcome> {
  const { tx, now } = input;
  const a = productIdeaAnswers.parse(input.answers);
  const producer = await tx.producer.findUnique({ where: { zaloUserId: input.userId } });
  if (!producer) return replyWith(textOf(input, 'idea.noProfile'));
  const ruleSet = ruleSetInForce(ruleSets, now);
  const productSet = ruleSet && findProductSet(ruleSet, a.set);
  if (!ruleSet || !productSet || productSet.group !== a.group || productSet.sector !== a.sector) {
    throw new Error(`product set ${a.sector}/${a.group}/${a.set} is not in the rule set in force`);
  }
  // The flow offers only the sectors open to the producer's kind; a kind changed since the
  // idea was drafted (or sent back) is caught here. Decision 26/2026 Art. 2.3.
  if (!sectorsOpenTo(ruleSet, producer.kind).includes(a.sector)) return replyWith(textOf(input, 'profile.kind.tourismOnly'));
  const { productName, sector, group, set, ideaKind, $ideaId, ...details } = a;
  const fields = { productName, sectorCode: sector, groupCode: group, setCode: set, kind: ideaKind, details, ruleSet: ruleSet.id };

  if ($ideaId !== undefined) {
    const revised = await tx.productIdea.updateMany({
      where: { id: BigInt($ideaId), producerId: producer.id, status: 'returned' },
      data: { ...fields, status: 'submitted', reviewReason: null, reviewedAt: null, reviewedBy: null, submittedAt: now },
    });
    if (revised.count === 0) return replyWith(textOf(input, 'idea.notRevisable'));
    const idea = await tx.productIdea.findUniqueOrThrow({ where: { id: BigInt($ideaId) } });
    const commune = await communeLabel(tx, idea.communeCode);
    const vars = { product: productName, receipt: idea.receiptNumber, commune: commune.label, producer: producer.name };
    return {
      reply: [textOf(input, 'idea.resubmitted', vars)],
      notify: await noticesToOfficials(tx, input.translate, { communeCode: idea.communeCode, provinceCode: idea.provinceCode }, 'official.resubmittedIdea', vars),
    };
  }

  const commune = await communeLabel(tx, producer.communeCode);
  const year = Number(vietnamDateOf(now).slice(0, 4));
  const sequence = await nextReceiptSequence(tx, producer.communeCode, year);
  const receiptNumber = formatReceiptNumber(sequence, commune.provinceCode, producer.communeCode, year);
  await tx.productIdea.create({
    data: { ...fields, producerId: producer.id, communeCode: producer.communeCode, provinceCode: commune.provinceCode, year, sequence, receiptNumber, submittedAt: now },
  });
  const vars = { product: productName, receipt: receiptNumber, commune: commune.label, producer: producer.name };
  return {
    reply: [textOf(input, 'idea.submitted', vars)],
    notify: await noticesToOfficials(tx, input.translate, { communeCode: producer.communeCode, provinceCode: commune.provinceCode }, 'official.newIdea', vars),
  };
}
