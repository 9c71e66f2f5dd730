import { type NotificationKind, cancelled, done, open, varsOf } from './reading.js';

export const ideaReturnedKind = {
  routine: true,
  async read(ctx, n) {
    const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId } });
    if (!idea) return cancelled;
    // Sent back again later is another return, with its own reminder.
    if (idea.status !== 'returned' || idea.reviewedAt?.toISOString() !== varsOf(n).returnedAt) return done;
    return open(ctx.translate(ctx.locale, 'notify.ideaReturned', { product: idea.productName, reason: idea.reviewReason ?? '' }));
  },
} satisfies NotificationKind;
