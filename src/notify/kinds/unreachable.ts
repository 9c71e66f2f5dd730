import { type NotificationKind, open, varsOf } from './reading.js';

/** Someone nobody could reach, told to an official with what it was about. */
export const unreachableKind = {
  routine: false,
  async read(ctx, n) {
    const vars = varsOf(n);
    return open(ctx.translate(ctx.locale, 'notify.unreachable', { name: vars.name ?? '—', phone: vars.phone ?? '—', about: vars.about ?? '' }));
  },
} satisfies NotificationKind;
