import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, open, today, varsOf } from './reading.js';

/** The province unit and secretaries before a province round closes. */
export const provinceRoundCloseKind = {
  routine: true,
  async read(ctx, n) {
    const closes = varsOf(n).closes ?? '';
    if (closes < today(ctx)) return done;
    const checked = await ctx.tx.dossier.count({ where: { status: 'checked', productIdea: { provinceCode: n.provinceCode } } });
    const scheduled = await ctx.tx.meetingProduct.count({ where: { meeting: { status: { not: 'cancelled' }, council: { provinceCode: n.provinceCode } } } });
    return open(ctx.translate(ctx.locale, 'notify.provinceRoundClose', { closes: formatDate(closes), round: varsOf(n).round ?? '', roundYear: varsOf(n).roundYear ?? '', checked: String(checked), scheduled: String(scheduled) }));
  },
} satisfies NotificationKind;
