import { type NotificationKind, cancelled, done, open, roundTexts, today, varsOf } from './reading.js';

/** A commune's officials before the cut-off: how many dossiers are incomplete or waiting. */
export const communeCutoffKind = {
  routine: true,
  async read(ctx, n) {
    const vars = varsOf(n);
    if (vars.communeLastDay === undefined) return cancelled;
    if (vars.communeLastDay < today(ctx) || n.communeCode === null) return done;
    const dossiers = await ctx.tx.dossier.groupBy({ by: ['status'], where: { productIdea: { communeCode: n.communeCode, status: { not: 'returned' } } }, _count: true });
    const count = (status: string) => dossiers.find((d) => d.status === status)?._count ?? 0;
    const incomplete = count('collecting') + count('returned');
    const waiting = count('submitted');
    if (incomplete + waiting === 0) return done;
    return open(ctx.translate(ctx.locale, 'notify.communeCutoff', { ...roundTexts(vars), incomplete: String(incomplete), waiting: String(waiting) }));
  },
} satisfies NotificationKind;
