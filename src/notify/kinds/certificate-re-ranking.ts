import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, open, today, unregisteredCertificate, varsOf } from './reading.js';

/** The re-ranking window of a certificate: opens 180 days before expiry (26/2026), notice ≥ 30 days (148). */
export const certificateReRankingKind = {
  routine: true,
  async read(ctx, n) {
    const certified = await unregisteredCertificate(ctx, n);
    if (certified === 'cancelled') return cancelled;
    if (certified === 'done' || certified.expiresOn < today(ctx)) return done;
    const vars = varsOf(n);
    const key = !vars.closes ? 'notify.reRankingNotice' : vars.decideDays ? 'notify.reRankingWindowInWriting' : 'notify.reRankingWindow';
    return open(
      ctx.translate(ctx.locale, key, {
        product: certified.productName,
        stars: String(certified.stars),
        expires: formatDate(certified.expiresOn),
        opens: formatDate(vars.opens ?? ''),
        closes: formatDate(vars.closes ?? ''),
        ruleSet: vars.ruleSetTitle ?? '',
        decideDays: vars.decideDays ?? '',
      }),
    );
  },
} satisfies NotificationKind;
