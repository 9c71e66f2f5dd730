import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, open, varsOf } from './reading.js';

/** A commune official with a submitted dossier to check within their 15 working days. */
export const dossierCheckDueKind = {
  routine: true,
  async read(ctx, n) {
    const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId }, include: { dossier: true } });
    if (!idea?.dossier) return cancelled;
    if (idea.dossier.status !== 'submitted') return done;
    return open(ctx.translate(ctx.locale, 'notify.dossierCheckDue', { product: idea.productName, receipt: idea.receiptNumber, deadline: formatDate(varsOf(n).deadline ?? '') }));
  },
} satisfies NotificationKind;
