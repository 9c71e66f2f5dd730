import type { Transaction } from '../db/database.js';
import type { Notification, NotificationEvent, NotificationState, OutboundMessage, Prisma, RecipientKind } from '../db/generated/client.js';
import type { RegionScope } from '../officials/region-scope.js';

// What officials (and the chat's "remind me later") do with notifications: list them, read
// what became of one, cancel it, move it later. Every change leaves an event, so a
// notification's history says who changed it and when.

/** A notification is open until it is done, cancelled or found unreachable. */
const openStates: NotificationState[] = ['planned', 'sent'];

export const maxNotificationsPerPage = 200;

export interface NotificationFilter {
  region: RegionScope;
  state?: NotificationState | undefined;
  kind?: string | undefined;
  recipientKind?: RecipientKind | undefined;
  /** the id in the recipient kind's own table: producer, official, council person or certified product */
  recipientId?: bigint | undefined;
  productIdeaId?: bigint | undefined;
  meetingId?: bigint | undefined;
  limit: number;
  /** the last id of the previous page */
  after?: bigint | undefined;
}

export type OutboxStatus = Pick<OutboundMessage, 'id' | 'channel' | 'status' | 'sentAt' | 'receivedAt' | 'seenAt' | 'failedAt' | 'lastError'>;

/** One step of a notification's life: an event, or a receipt read from one of its outbox rows. */
export interface TimelineStep {
  at: Date;
  step: string;
  actor: string | null;
  messageId: bigint | null;
}

export interface NotificationHistory {
  notification: Notification;
  events: NotificationEvent[];
  messages: OutboxStatus[];
  /** events and receipts in time order: planned → sent → delivered → seen → done */
  timeline: TimelineStep[];
}

/** A province or secretary scope sees its province; a commune scope its commune. */
export function notificationRegion(region: RegionScope): Prisma.NotificationWhereInput {
  return region.role === 'commune' ? { provinceCode: region.provinceCode, communeCode: region.communeCode } : { provinceCode: region.provinceCode };
}

/** One page of the region's notifications in id order; `nextAfter` is null on the last page. */
export async function listNotifications(db: Transaction, filter: NotificationFilter): Promise<{ notifications: Notification[]; nextAfter: bigint | null }> {
  const limit = Math.min(filter.limit, maxNotificationsPerPage);
  const rows = await db.notification.findMany({
    where: {
      AND: [
        notificationRegion(filter.region),
        {
          state: filter.state,
          kind: filter.kind,
          recipientKind: filter.recipientKind,
          recipientId: filter.recipientId,
          productIdeaId: filter.productIdeaId,
          meetingId: filter.meetingId,
          id: filter.after === undefined ? undefined : { gt: filter.after },
        },
      ],
    },
    orderBy: { id: 'asc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { notifications: page, nextAfter: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

function receiptsOf(message: OutboxStatus): TimelineStep[] {
  const receipts: [string, Date | null][] = [
    ['delivered', message.receivedAt],
    ['seen', message.seenAt],
    ['failed', message.failedAt],
  ];
  return receipts.flatMap(([step, at]) => (at ? [{ at, step, actor: null, messageId: message.id }] : []));
}

/** The notification with its events and its outbox rows' status; null when there is no such id. */
export async function notificationHistory(db: Transaction, id: bigint): Promise<NotificationHistory | null> {
  const notification = await db.notification.findUnique({ where: { id }, include: { events: { orderBy: { id: 'asc' } } } });
  if (!notification) return null;
  const { events, ...row } = notification;
  const messages = await db.outboundMessage.findMany({
    where: { id: { in: row.outboundIds } },
    orderBy: { id: 'asc' },
    select: { id: true, channel: true, status: true, sentAt: true, receivedAt: true, seenAt: true, failedAt: true, lastError: true },
  });
  // Delivered and seen are Zalo's receipts on the outbox rows, not events of their own.
  const steps = [...events.map((event) => ({ at: event.at, step: event.action, actor: event.actor, messageId: null })), ...messages.flatMap(receiptsOf)];
  // Array.prototype.sort is stable: steps of one instant keep the order above.
  const timeline = steps.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { notification: row, events, messages, timeline };
}

/** Cancels a planned or sent notification; false when it was already closed. */
export async function cancelNotification(tx: Transaction, id: bigint, actor: string, now: Date): Promise<boolean> {
  // Conditional, so a notification closed meanwhile (done, sent away) is left as it is.
  const { count } = await tx.notification.updateMany({ where: { id, state: { in: openStates } }, data: { state: 'cancelled', closedAt: now } });
  if (count === 0) return false;
  await tx.notificationEvent.create({ data: { notificationId: id, action: 'cancelled', actor, at: now } });
  return true;
}

/**
 * Moves open notifications to `until`: planned again, so a sent reminder is sent again then.
 * `until` is used as given; callers move it out of quiet hours (`sendTimeFor`). Returns how
 * many changed: closed ones are left alone.
 */
export async function snoozeNotifications(tx: Transaction, ids: readonly bigint[], until: Date, actor: string, now: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const moved = await tx.notification.updateManyAndReturn({
    where: { id: { in: [...ids] }, state: { in: openStates } },
    data: { state: 'planned', sendAt: until, snoozeCount: { increment: 1 } },
    select: { id: true },
  });
  await tx.notificationEvent.createMany({ data: moved.map(({ id }) => ({ notificationId: id, action: 'snoozed', actor, detail: { until: until.toISOString() }, at: now })) });
  return moved.length;
}
