import { displayDate as formatDate, vietnamDateOf } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, meetingOf, open } from './reading.js';

/** Secretaries and the province unit: the delivery deadline is near and not everyone has the dossiers. */
export const meetingAtRiskKind = {
  routine: false,
  async read(ctx, n) {
    const meeting = await meetingOf(ctx, n);
    if (!meeting || meeting.status === 'cancelled') return cancelled;
    if (meeting.deliveryDeadline.getTime() <= ctx.now.getTime()) return done;
    const deliveries = await ctx.tx.delivery.findMany({ where: { meetingId: meeting.id, status: { in: ['planned', 'unreachable'] } } });
    const messages = await ctx.tx.outboundMessage.findMany({ where: { id: { in: deliveries.flatMap((d) => d.outboundIds) } }, select: { id: true, status: true } });
    const sent = new Set(messages.filter((m) => m.status === 'sent').map((m) => m.id));
    const behind = deliveries.filter((d) => d.status === 'unreachable' || d.outboundIds.some((id) => !sent.has(id)));
    if (meeting.status === 'locked' && behind.length === 0) return done;
    const people = await ctx.tx.councilPerson.findMany({ where: { id: { in: behind.map((d) => d.personId) } }, select: { name: true }, orderBy: { id: 'asc' } });
    return open(
      ctx.translate(ctx.locale, meeting.status === 'locked' ? 'notify.meetingAtRisk' : 'notify.meetingNotDistributed', {
        council: meeting.council.name,
        date: formatDate(meeting.date),
        deadline: formatDate(vietnamDateOf(meeting.deliveryDeadline)),
        names: people.map((p) => p.name).join(', '),
      }),
    );
  },
} satisfies NotificationKind;
