import { displayDate, vietnamDateOf, vietnamTimeOf } from '../calendar/calendar-date.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { snoozeNotifications } from './manage-notifications.js';
import { resolveRecipient } from './recipients.js';
import { remindLaterTime, type NotifyTiming } from './timing.js';

/**
 * The "Nhắc lại sau" button of a reminder: its notifications come back at the routine hour
 * of the next working day. Only the person they were sent to can defer them.
 */
export async function remindLater(input: ActionInput, timing: Pick<NotifyTiming, 'calendar' | 'routineTime'>): Promise<ActionOutcome> {
  const ids = String(input.answers.notificationIds ?? '')
    .split(',')
    .filter((id) => /^\d+$/.test(id))
    .map((id) => BigInt(id));
  const candidates = await input.tx.notification.findMany({ where: { id: { in: ids }, state: { in: ['planned', 'sent'] } } });
  const own: bigint[] = [];
  for (const n of candidates) {
    const recipient = await resolveRecipient(input.tx, { kind: n.recipientKind, id: n.recipientId });
    if (recipient?.zaloUserId === input.userId) own.push(n.id);
  }
  if (own.length === 0) return replyWith(textOf(input, 'notify.snoozeUnknown'));
  const until = remindLaterTime(timing, input.now);
  await snoozeNotifications(input.tx, own, until, input.userId, input.now);
  return replyWith(textOf(input, 'notify.snoozed', { time: vietnamTimeOf(until), date: displayDate(vietnamDateOf(until)) }));
}
