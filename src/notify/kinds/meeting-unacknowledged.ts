import { displayDate as formatDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, meetingOf, open, today, unacknowledged } from './reading.js';

/** Secretaries, at the delivery deadline: members who have not confirmed receipt. */
export const meetingUnacknowledgedKind = {
  routine: false,
  async read(ctx, n) {
    const meeting = await meetingOf(ctx, n);
    if (!meeting || meeting.status === 'cancelled') return cancelled;
    if (meeting.date < today(ctx)) return done;
    const pending = await unacknowledged(ctx, meeting.id);
    if (pending.length === 0) return done;
    const people = await ctx.tx.councilPerson.findMany({ where: { id: { in: pending.map((d) => d.personId) } }, select: { name: true }, orderBy: { id: 'asc' } });
    return open(ctx.translate(ctx.locale, 'notify.membersUnacknowledged', { council: meeting.council.name, date: formatDate(meeting.date), names: people.map((p) => p.name).join(', ') }));
  },
} satisfies NotificationKind;
