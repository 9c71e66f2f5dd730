import { type NotificationKind, cancelled, done, open } from './reading.js';

export const dossierReturnedKind = {
  routine: true,
  async read(ctx, n) {
    const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId }, include: { dossier: true } });
    if (!idea?.dossier) return cancelled;
    const returns = await ctx.tx.dossierItemReturn.count({ where: { dossierId: idea.dossier.id, resolvedAt: null } });
    if (idea.dossier.status !== 'returned' || returns === 0) return done;
    return open(ctx.translate(ctx.locale, 'notify.dossierReturned', { product: idea.productName, count: String(returns) }));
  },
} satisfies NotificationKind;
