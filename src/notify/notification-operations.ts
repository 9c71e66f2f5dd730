import { z } from 'zod';
import type { Database, Transaction } from '../db/database.js';
import { NotificationState, OutboundChannel, OutboundStatus, RecipientKind, type Notification } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import { anyCaller, defineOperation, officialsOnly, type Caller, type Operation } from '../operations/operation.js';
import { anyJson, idOrNull, idParams, idSchema, idText, instant, isoOrNull, maybeIdText, maybeInstant } from '../operations/schemas.js';
import { cancelNotification, listNotifications, maxNotificationsPerPage, notificationHistory, notificationRegion, snoozeNotifications, type NotificationHistory } from './manage-notifications.js';
import { sendTimeFor, type NotifyTiming } from './timing.js';

// Reminders and notices through the officials' API: the region's list, one with its
// history, and cancelling or snoozing one.

export interface NotificationOperationsDeps {
  db: Database;
  now: () => Date;
  /** Quiet hours and the working calendar: a snoozed notification never falls in quiet hours. */
  notifyTiming: NotifyTiming;
}

const listNotificationsQuery = z
  .strictObject({
    state: z.enum(NotificationState).optional(),
    kind: z.string().min(1).max(100).optional(),
    recipientKind: z.enum(RecipientKind).optional(),
    recipientId: idSchema.optional(),
    productIdeaId: idSchema.optional(),
    meetingId: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(maxNotificationsPerPage).default(50),
    after: idSchema.optional(),
  })
  .refine((query) => query.recipientId === undefined || query.recipientKind !== undefined, { message: 'recipientId needs recipientKind', path: ['recipientId'] });
const snoozeBody = z.strictObject({
  until: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .meta({ description: 'an instant with its offset, e.g. `2026-03-05T09:00:00+07:00`' }),
});

const notificationAnswer = z.object({
  id: idText,
  key: z.string().meta({ description: '`kind:subject:occasion[:recipient]`, unique' }),
  kind: z.string(),
  recipientKind: z.enum(RecipientKind),
  recipientId: idText.meta({ description: "the id in the recipient kind's own table (a certified product for `certified_producer`)" }),
  provinceCode: z.string(),
  communeCode: z.string().nullable(),
  productIdeaId: maybeIdText,
  meetingId: maybeIdText,
  certifiedProductId: maybeIdText,
  campaignDeadlineId: maybeIdText,
  parentKey: z.string().nullable().meta({ description: 'for an escalation or an unreachable notice: the key of the notification it is about' }),
  level: z.number().int().meta({ description: "0: the person concerned; 1: the commune's officials; 2: the province unit" }),
  deadline: maybeInstant.meta({ description: "the task's own deadline" }),
  dueAt: instant,
  sendAt: instant.meta({ description: 'when it goes: dueAt moved out of quiet hours, or where a snooze moved it' }),
  routine: z.boolean().meta({ description: 'routine nudges wait for a working day; time-bound ones only leave the quiet hours' }),
  vars: anyJson.meta({ description: 'what its text needs' }),
  state: z.enum(NotificationState),
  channel: z.string().nullable().meta({ description: '`cs`, `template` or `zns` once sent' }),
  outboundIds: z.array(idText).meta({ description: 'its outbox messages' }),
  snoozeCount: z.number().int().min(0),
  createdAt: instant,
  sentAt: maybeInstant,
  closedAt: maybeInstant,
});

const historyAnswer = notificationAnswer.extend({
  events: z
    .array(z.object({ action: z.string(), actor: z.string().meta({ description: '`system`, a Zalo user id, or `admin:<token name>`' }), detail: anyJson, at: instant }))
    .meta({ description: 'in order' }),
  messages: z
    .array(
      z.object({
        id: idText,
        channel: z.enum(OutboundChannel),
        status: z.enum(OutboundStatus),
        sentAt: maybeInstant,
        receivedAt: maybeInstant.meta({ description: "Zalo's delivery receipt" }),
        seenAt: maybeInstant,
        failedAt: maybeInstant,
        lastError: z.string().nullable(),
      }),
    )
    .meta({ description: 'its outbox messages and how far each got' }),
  timeline: z
    .array(
      z.object({
        at: instant,
        step: z.string().meta({ description: 'an event action, or `delivered`, `seen`, `failed` from a message' }),
        actor: z.string().nullable().meta({ description: 'null for a receipt' }),
        messageId: maybeIdText.meta({ description: 'the message a receipt is of' }),
      }),
    )
    .meta({ description: 'events and receipts in time order, e.g. planned → sent → delivered → seen → done' }),
});

function toNotificationAnswer(notification: Notification): z.input<typeof notificationAnswer> {
  return {
    id: String(notification.id),
    key: notification.key,
    kind: notification.kind,
    recipientKind: notification.recipientKind,
    recipientId: String(notification.recipientId),
    provinceCode: notification.provinceCode,
    communeCode: notification.communeCode,
    productIdeaId: idOrNull(notification.productIdeaId),
    meetingId: idOrNull(notification.meetingId),
    certifiedProductId: idOrNull(notification.certifiedProductId),
    campaignDeadlineId: idOrNull(notification.campaignDeadlineId),
    parentKey: notification.parentKey,
    level: notification.level,
    deadline: isoOrNull(notification.deadline),
    dueAt: notification.dueAt.toISOString(),
    sendAt: notification.sendAt.toISOString(),
    routine: notification.routine,
    vars: notification.vars,
    state: notification.state,
    channel: notification.channel,
    outboundIds: notification.outboundIds.map(String),
    snoozeCount: notification.snoozeCount,
    createdAt: notification.createdAt.toISOString(),
    sentAt: isoOrNull(notification.sentAt),
    closedAt: isoOrNull(notification.closedAt),
  };
}

function toHistoryAnswer(history: NotificationHistory): z.input<typeof historyAnswer> {
  return {
    ...toNotificationAnswer(history.notification),
    events: history.events.map((event) => ({ action: event.action, actor: event.actor, detail: event.detail, at: event.at.toISOString() })),
    messages: history.messages.map((message) => ({
      id: String(message.id),
      channel: message.channel,
      status: message.status,
      sentAt: isoOrNull(message.sentAt),
      receivedAt: isoOrNull(message.receivedAt),
      seenAt: isoOrNull(message.seenAt),
      failedAt: isoOrNull(message.failedAt),
      lastError: message.lastError,
    })),
    timeline: history.timeline.map((step) => ({ at: step.at.toISOString(), step: step.step, actor: step.actor, messageId: idOrNull(step.messageId) })),
  };
}

async function requireVisibleNotification(tx: Database | Transaction, caller: Caller, id: bigint): Promise<Notification> {
  const notification = await tx.notification.findFirst({ where: { AND: [notificationRegion(caller), { id }] } });
  if (!notification) throw new Refusal('notification.notFound', 'no such notification');
  return notification;
}

const notificationPath = { id: 'the notification' };

export function notificationOperations(deps: NotificationOperationsDeps): Operation[] {
  return [
    defineOperation({
      id: 'listNotifications',
      method: 'get',
      path: '/notifications',
      tag: 'notifications',
      summary: "Reminders and notices of the token's region, in id order",
      description: 'A province or secretary token sees its province, a commune token its commune.',
      ...anyCaller,
      query: listNotificationsQuery,
      queryDescription: {
        state: 'only notifications in this state',
        kind: 'only this kind',
        recipientKind: 'only for recipients of this kind',
        recipientId: 'only for this recipient (needs `recipientKind`)',
        productIdeaId: 'only about this idea',
        meetingId: 'only about this meeting',
        limit: 'notifications per page',
        after: 'the `nextAfter` of the previous page',
      },
      errors: [],
      answer: { status: 200, schema: z.object({ notifications: z.array(notificationAnswer), nextAfter: idText.nullable().meta({ description: 'null on the last page' }) }), description: 'one page' },
      async handle({ caller, query }) {
        const page = await listNotifications(deps.db, { ...query, region: caller });
        return { notifications: page.notifications.map(toNotificationAnswer), nextAfter: idOrNull(page.nextAfter) };
      },
    }),
    defineOperation({
      id: 'getNotification',
      method: 'get',
      path: '/notifications/:id',
      tag: 'notifications',
      summary: 'One notification with its history',
      description: 'Its events, its outbox messages with their receipts, and both merged into a timeline: planned → sent → delivered → seen → done.',
      ...anyCaller,
      params: idParams,
      paramsDescription: notificationPath,
      errors: ['notification.notFound'],
      answer: { status: 200, schema: historyAnswer, description: 'the notification and its history' },
      async handle({ caller, params }) {
        await requireVisibleNotification(deps.db, caller, params.id);
        const history = await notificationHistory(deps.db, params.id);
        if (!history) throw new Refusal('notification.notFound', 'no such notification');
        return toHistoryAnswer(history);
      },
    }),
    defineOperation({
      id: 'cancelNotification',
      method: 'post',
      path: '/notifications/:id/cancel',
      tag: 'notifications',
      summary: 'Cancel a planned or sent notification',
      description: 'Nothing more is sent for it; the event records the token.',
      ...officialsOnly,
      params: idParams,
      paramsDescription: notificationPath,
      errors: ['notification.notFound', 'notification.closed'],
      answer: { status: 200, schema: notificationAnswer, description: 'the cancelled notification' },
      async handle({ caller, params }) {
        const cancelled = await deps.db.$transaction(async (tx) => {
          await requireVisibleNotification(tx, caller, params.id);
          const changed = await cancelNotification(tx, params.id, `admin:${caller.name}`, deps.now());
          const notification = await requireVisibleNotification(tx, caller, params.id);
          if (!changed) throw new Refusal('notification.closed', `the notification is ${notification.state}: only a planned or sent one can be cancelled`);
          return notification;
        });
        return toNotificationAnswer(cancelled);
      },
    }),
    defineOperation({
      id: 'snoozeNotification',
      method: 'post',
      path: '/notifications/:id/snooze',
      tag: 'notifications',
      summary: 'Send a planned or sent notification again later',
      description:
        'It is planned again for `until`, moved out of the quiet hours (NOTIFY_QUIET_HOURS) and, for a routine nudge, to the routine hour of a working day: `sendAt` in the answer says when it goes.',
      ...officialsOnly,
      params: idParams,
      paramsDescription: notificationPath,
      body: snoozeBody,
      errors: ['notification.notFound', 'notification.closed', 'notification.snoozeInPast'],
      answer: { status: 200, schema: notificationAnswer, description: 'the snoozed notification' },
      async handle({ caller, params, body }) {
        const now = deps.now();
        if (body.until <= now) throw new Refusal('notification.snoozeInPast', 'invalid body', [{ path: 'until', message: `must be after now (${now.toISOString()})` }]);
        const snoozed = await deps.db.$transaction(async (tx) => {
          const { routine } = await requireVisibleNotification(tx, caller, params.id);
          const changed = await snoozeNotifications(tx, [params.id], sendTimeFor(deps.notifyTiming, body.until, routine), `admin:${caller.name}`, now);
          const notification = await requireVisibleNotification(tx, caller, params.id);
          if (changed === 0) throw new Refusal('notification.closed', `the notification is ${notification.state}: only a planned or sent one can be snoozed`);
          return notification;
        });
        return toNotificationAnswer(snoozed);
      },
    }),
  ];
}
