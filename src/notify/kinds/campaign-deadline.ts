import { displayDate as formatDate, type CalendarDate } from '../../calendar/calendar-date.js';
import { type NotificationKind, cancelled, done, open, today } from './reading.js';
import { workingDaysBetween } from '../../calendar/working-days.js';

export const campaignDeadlineKind = {
  routine: true,
  async read(ctx, n) {
    const campaign = n.campaignDeadlineId === null ? null : await ctx.tx.campaignDeadline.findUnique({ where: { id: n.campaignDeadlineId } });
    if (!campaign || campaign.cancelledAt) return cancelled;
    if (campaign.dueDate < today(ctx)) return done;
    const left = workingDaysBetween(ctx.calendar, today(ctx), campaign.dueDate as CalendarDate);
    return open(ctx.translate(ctx.locale, 'notify.campaignDeadline', { title: campaign.title, date: formatDate(campaign.dueDate), left: String(left) }));
  },
} satisfies NotificationKind;
