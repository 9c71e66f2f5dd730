import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, meetingOf, open, today, unacknowledged, varsOf } from './reading.js';

/** A council person: the working day before the meeting, and on its morning. */
export const meetingReminderKind = {
  routine: false,
  async read(ctx, n) {
    const meeting = await meetingOf(ctx, n);
    // A meeting moved to another day has reminders of its own.
    if (!meeting || meeting.status === 'cancelled' || meeting.date !== varsOf(n).date) return cancelled;
    if (meeting.date < today(ctx)) return done;
    const pending = await unacknowledged(ctx, meeting.id, n.recipientId);
    const ideas = await ctx.tx.productIdea.findMany({ where: { id: { in: pending.map((d) => d.productIdeaId ?? 0n) } }, select: { id: true, productName: true }, orderBy: { id: 'asc' } });
    // A fresh link to each packet not yet acknowledged: the first may be lost in the chat.
    const person = ctx.packetLink ? await ctx.tx.councilPerson.findUnique({ where: { id: n.recipientId }, select: { zaloUserId: true } }) : null;
    const links = ideas.flatMap((idea) => {
      const delivery = pending.find((d) => d.productIdeaId === idea.id);
      if (!ctx.packetLink || !delivery?.packetId) return [];
      return [`• ${idea.productName}: ${ctx.packetLink(delivery.packetId, person?.zaloUserId ?? `person:${n.recipientId}`, meeting.date)}`];
    });
    const text = ctx.translate(ctx.locale, meeting.date === today(ctx) ? 'notify.meetingToday' : 'notify.meetingTomorrow', {
      council: meeting.council.name,
      date: formatDate(meeting.date),
      time: meeting.time,
      place: meeting.place,
      count: String(meeting.products.length),
    });
    if (ideas.length === 0) return open(text);
    const reminder = `${text} ${ctx.translate(ctx.locale, 'notify.meetingNotAcknowledged', { products: ideas.map((i) => i.productName).join(', ') })}`;
    return open(links.length === 0 ? reminder : `${reminder}\n${ctx.translate(ctx.locale, 'notify.meetingLinks')}\n${links.join('\n')}`);
  },
} satisfies NotificationKind;
