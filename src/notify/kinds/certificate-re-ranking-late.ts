import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, open, today, unregisteredCertificate, varsOf } from './reading.js';

/** A certificate whose re-ranking window closed before the rule set: it stays valid once filed (Decision 26/2026, Art. 12.3). */
export const certificateReRankingLateKind = {
  routine: true,
  async read(ctx, n) {
    const certified = await unregisteredCertificate(ctx, n);
    if (certified === 'cancelled') return cancelled;
    const vars = varsOf(n);
    if (certified === 'done' || (vars.validUntil ?? '') < today(ctx)) return done;
    return open(
      ctx.translate(ctx.locale, 'notify.reRankingLate', {
        product: certified.productName,
        stars: String(certified.stars),
        expires: formatDate(certified.expiresOn),
        validUntil: formatDate(vars.validUntil ?? ''),
        ruleSet: vars.ruleSetTitle ?? '',
      }),
    );
  },
} satisfies NotificationKind;
