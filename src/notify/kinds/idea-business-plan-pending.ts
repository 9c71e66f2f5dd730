import { type NotificationKind, cancelled, done, open } from './reading.js';

export const ideaBusinessPlanPendingKind = {
  routine: true,
  async read(ctx, n) {
    const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId } });
    if (!idea || idea.status === 'returned') return cancelled;
    if (idea.businessPlan !== null) return done;
    return open(ctx.translate(ctx.locale, 'notify.businessPlanPending', { product: idea.productName, receipt: idea.receiptNumber }));
  },
} satisfies NotificationKind;
