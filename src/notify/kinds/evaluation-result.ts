import { displayAverage } from '../../ocop/scoring.js';
import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, cappedCriteria, open, varsOf } from './reading.js';

/** A producer: the council's score and stars, and what follows from them under the rule set (its title in vars). */
export const evaluationResultKind = {
  routine: false,
  heading: 'notify.resultHeading',
  async read(ctx, n) {
    const vars = varsOf(n);
    const resultId = vars.resultId;
    const result = resultId ? await ctx.tx.evaluationResult.findUnique({ where: { id: BigInt(resultId) }, include: { productIdea: true, meeting: { include: { council: true } } } }) : null;
    // A correction replaced it before it went: the corrected result has its own notice.
    if (!result || result.meeting.status === 'cancelled' || result.supersededAt !== null) return cancelled;
    // On the sheet a missed star mark holds the stars below the band (say which criterion), and a disqualification rules the dossier out (say why).
    const capped = cappedCriteria.safeParse(result.cappedBy);
    const held =
      result.bandStars !== null && capped.success && capped.data.length > 0
        ? `${ctx.translate(ctx.locale, 'notify.evaluationCapped', { band: String(result.bandStars), stars: String(result.stars), criteria: capped.data.map((c) => `${c.code}. ${c.title}`).join('; ') })} `
        : '';
    const outcome =
      held +
      (result.certifyingLevel === null
        ? ctx.translate(ctx.locale, 'notify.evaluationNoCertificate', { ruleSet: vars.ruleSetTitle ?? result.ruleSet, stars: String(result.stars) })
        : ctx.translate(ctx.locale, 'notify.evaluationCertify', { level: ctx.translate(ctx.locale, `notify.level.${result.certifyingLevel}`) }));
    // "Corrected" only to someone who was told the earlier result.
    const earlier = await ctx.tx.evaluationResult.findMany({ where: { meetingId: result.meetingId, productIdeaId: result.productIdeaId, id: { not: result.id } }, select: { id: true } });
    const toldEarlier =
      result.correctionReason !== null &&
      earlier.length > 0 &&
      (await ctx.tx.notification.count({ where: { kind: 'evaluation.result', state: 'sent', OR: earlier.map((e) => ({ vars: { path: ['resultId'], equals: String(e.id) } })) } })) > 0;
    const corrected = toldEarlier ? `${ctx.translate(ctx.locale, 'notify.evaluationCorrected', { reason: result.correctionReason ?? '' })} ` : '';
    const facts = { product: result.productIdea.productName, receipt: result.productIdea.receiptNumber, council: result.meeting.council.name, date: formatDate(result.meeting.date) };
    if (result.disqualifiedReason) return open(corrected + ctx.translate(ctx.locale, 'notify.evaluationDisqualified', { ...facts, reason: result.disqualifiedReason }));
    const text = ctx.translate(ctx.locale, 'notify.evaluationResult', {
      ...facts,
      average: displayAverage(ctx.locale, result.scoreSumHundredths, result.scoreCount),
      stars: String(result.stars),
      outcome,
    });
    return open(corrected + text);
  },
} satisfies NotificationKind;
