import { type NotificationKind, open, varsOf } from './reading.js';

/** The province's administrators: the month's Zalo uploads have reached 80 % or 95 % of the quota. */
export const uploadQuotaKind = {
  routine: false,
  heading: 'notify.uploadQuotaHeading',
  async read(ctx, n) {
    const vars = varsOf(n);
    const [year, month] = (vars.month ?? '').split('-');
    return open(ctx.translate(ctx.locale, 'notify.uploadQuota', { percent: vars.percent ?? '—', uploads: vars.uploads ?? '—', quota: vars.quota ?? '—', month: `${month ?? ''}/${year ?? ''}` }));
  },
} satisfies NotificationKind;
