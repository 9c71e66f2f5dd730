import { displayDate as formatDate, vietnamDateOf } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, meetingOf, missingItems, open, varsOf } from './reading.js';

/** A producer whose dossier, on a meeting's list, was sent back for items: before the members must have it. */
export const dossierMissingBeforeMeetingKind = {
  routine: true,
  async read(ctx, n) {
    const meeting = await meetingOf(ctx, n);
    const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId }, include: { dossier: true } });
    // Moved, cancelled or taken off the list: the meeting that replaces it plans its own.
    if (!meeting || !idea?.dossier || meeting.status === 'cancelled' || !meeting.products.some((p) => p.productIdeaId === idea.id)) return cancelled;
    if (meeting.deliveryDeadline.toISOString() !== varsOf(n).deliveryDeadline) return cancelled;
    if (meeting.deliveryDeadline.getTime() <= ctx.now.getTime()) return done;
    if (idea.dossier.status === 'submitted' || idea.dossier.status === 'checked') return done;
    const returns = await ctx.tx.dossierItemReturn.count({ where: { dossierId: idea.dossier.id, resolvedAt: null } });
    const count = returns > 0 ? returns : ((await missingItems(ctx, idea.id))?.missing ?? 0);
    return open(
      ctx.translate(ctx.locale, 'notify.dossierMissingBeforeMeeting', {
        product: idea.productName,
        date: formatDate(meeting.date),
        count: String(count),
        deadline: formatDate(vietnamDateOf(meeting.deliveryDeadline)),
      }),
    );
  },
} satisfies NotificationKind;
