import { createHash } from 'node:crypto';
import type { Notification } from '../db/generated/client.js';
import type { Database, Transaction } from '../db/database.js';
import type { Translate } from '../i18n/translator.js';
import type { Logger } from '../observability/logger.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import { chooseChannel, type FallbackTemplates } from '../outbound/choose-channel.js';
import { addToOutbox } from '../outbound/outbox.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { kindOf, type ReadContext } from './notification-kinds.js';
import { resolveRecipient, whoToTell, type Recipient, type RecipientRef } from './recipients.js';
import { remindLaterCommand } from './reminder-commands.js';
import { sendTimeFor, type NotifyTiming } from './timing.js';
import { displayPhone } from '../text/phone.js';

export interface DispatchDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  timing: NotifyTiming;
  checklists: readonly Checklist[];
  templates: FallbackTemplates;
  /** counts notices nobody could be told about (an operator must look) */
  onUntold?: () => void;
  /** A council person's packet link, valid through the meeting (sent again in meeting reminders). */
  packetLink?: ReadContext['packetLink'];
}

/** At most this many items in one message; the rest go in the next one. */
const itemsPerMessage = 8;
/** Zalo template parameters are short. */
const templateValueMax = 100;

async function event(tx: Transaction, notificationIds: bigint[], action: string, at: Date, detail?: Record<string, unknown>) {
  if (notificationIds.length === 0) return;
  await tx.notificationEvent.createMany({ data: notificationIds.map((notificationId) => ({ notificationId, action, actor: 'system', at, ...(detail ? { detail: detail as object } : {}) })) });
}

/**
 * Sends everything due for one person as one message, under a row lock so two workers
 * never send the same notification. Each is read afresh: a task done since is closed
 * ("done"), never sent. Inside Zalo's window: a consultation message with "Nhắc lại sau";
 * outside it: the nudge template or ZNS; when nothing reaches the person, the officials
 * above them are told who could not be reached and about what. Returns outbox ids.
 */
export async function dispatchNotifications(deps: DispatchDeps, ref: RecipientRef): Promise<bigint[]> {
  return deps.db.$transaction(async (tx) => {
    const now = deps.now();
    const locked = await tx.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM notification
      WHERE recipient_kind = ${ref.kind}::"RecipientKind" AND recipient_id = ${ref.id} AND state = 'planned' AND send_at <= ${now}
      ORDER BY send_at, id FOR UPDATE`;
    if (locked.length === 0) return [];
    const due = await tx.notification.findMany({ where: { id: { in: locked.map((r) => r.id) } }, orderBy: [{ sendAt: 'asc' }, { id: 'asc' }] });

    // A job that ran late (Redis was down, the worker was stopped) still keeps the hours.
    const later = due.filter((n) => sendTimeFor(deps.timing, now, n.routine).getTime() > now.getTime());
    for (const n of later) await tx.notification.update({ where: { id: n.id }, data: { sendAt: sendTimeFor(deps.timing, now, n.routine) } });
    const sendable = due.filter((n) => !later.includes(n));
    if (sendable.length === 0) return [];

    const recipient = await resolveRecipient(tx, ref);
    if (!recipient) {
      await tx.notification.updateMany({ where: { id: { in: sendable.map((n) => n.id) } }, data: { state: 'cancelled', closedAt: now } });
      await event(tx, sendable.map((n) => n.id), 'cancelled', now, { reason: 'recipient removed' });
      return [];
    }
    const ctx: ReadContext = { tx, locale: recipient.locale, translate: deps.translate, now, calendar: deps.timing.calendar, checklists: deps.checklists, ...(deps.packetLink ? { packetLink: deps.packetLink } : {}) };
    const items: { notification: Notification; text: string }[] = [];
    for (const n of sendable) {
      const reading = await kindOf(n.kind).read(ctx, n);
      if (reading.state === 'open') {
        items.push({ notification: n, text: reading.text });
        continue;
      }
      await tx.notification.update({ where: { id: n.id }, data: { state: reading.state, closedAt: now } });
      await event(tx, [n.id], reading.state, now, { reason: reading.state === 'done' ? 'task done before the reminder' : 'subject gone' });
    }
    // News (a result) goes alone under its own heading; reminders go together.
    const news = items.find((i) => kindOf(i.notification.kind).heading !== undefined);
    const batch = news ? [news] : items.slice(0, itemsPerMessage);
    const heading = news ? kindOf(news.notification.kind).heading : undefined;
    if (batch.length === 0) return [];
    const ids = batch.map((i) => i.notification.id);

    // Zalo's refusal outranks the bot's own record of when the person last wrote.
    const outsideWindow = news !== undefined && kindOf(news.notification.kind).outsideWindow === true;
    const channel = chooseChannel(outsideWindow ? { ...recipient, lastInteractionAt: null } : recipient, deps.templates, now);
    if (channel.kind === 'none') return outsideWindow ? markListed(tx, ids, now) : markUnreachable(deps, tx, recipient, batch, now);

    const t = (key: string, vars?: Record<string, string>) => deps.translate(recipient.locale, key, vars);
    const summary = batch.map((i) => i.text);
    const templateData = { name: recipient.name.slice(0, templateValueMax), count: String(batch.length), summary: (summary[0] ?? '').slice(0, templateValueMax) };
    const message: OutgoingMessage =
      channel.kind === 'cs'
        ? heading
          ? { kind: 'text', text: [t(heading), ...summary].join('\n') }
          : {
              kind: 'text',
              text: [t(batch.length === 1 ? 'notify.headerOne' : 'notify.header', { count: String(batch.length) }), ...summary.map((line) => `• ${line}`)].join('\n'),
              buttons: [{ title: t('notify.remindLater'), action: { kind: 'command', payload: remindLaterCommand(ids) } }],
            }
        : { kind: channel.kind, templateId: (channel.kind === 'template' ? deps.templates.templateId : deps.templates.znsTemplateId) ?? '', templateData };
    // The same notifications sent again after a snooze are another message.
    const key = createHash('sha256').update(batch.map((i) => `${i.notification.id}.${i.notification.snoozeCount}`).join(',')).digest('hex').slice(0, 32);
    const outboxIds = await addToOutbox(tx, [{ idempotencyKey: `notify:${key}`, recipient: channel.recipient, message }], now);
    await tx.notification.updateMany({ where: { id: { in: ids } }, data: { state: 'sent', channel: channel.kind, outboundIds: { push: outboxIds }, sentAt: now } });
    await event(tx, ids, 'sent', now, { channel: channel.kind, outboundIds: outboxIds.map(String), together: ids.map(String) });
    return outboxIds;
  });
}

/** Nobody can be reached, and the console already lists the person: no alert of its own. */
async function markListed(tx: Transaction, ids: bigint[], now: Date): Promise<bigint[]> {
  await tx.notification.updateMany({ where: { id: { in: ids } }, data: { state: 'unreachable', closedAt: now } });
  await event(tx, ids, 'unreachable', now, { listed: 'console unreachable page' });
  return [];
}

/** Nobody can be reached: the officials above are told, by a notification of their own. */
async function markUnreachable(deps: DispatchDeps, tx: Transaction, recipient: Recipient, batch: { notification: Notification; text: string }[], now: Date): Promise<bigint[]> {
  const ids = batch.map((i) => i.notification.id);
  const told = await whoToTell(tx, recipient);
  await tx.notification.updateMany({ where: { id: { in: ids } }, data: { state: 'unreachable', closedAt: now } });
  await event(tx, ids, 'unreachable', now, { told: told.map((r) => `${r.kind}:${r.id}`) });
  if (told.length === 0) {
    deps.onUntold?.();
    deps.logger.error({ recipient: `${recipient.kind}:${recipient.id}`, notifications: ids.map(String) }, 'a notice reached nobody: no channel to the person and no linked official to tell');
    return [];
  }
  const first = batch[0]?.notification;
  const vars = { name: recipient.name, phone: recipient.phone ? displayPhone(recipient.phone) : '—', about: batch.map((i) => i.text).join(' / ').slice(0, 1500) };
  const alerts = await tx.notification.createManyAndReturn({
    select: { id: true },
    data: told.map((to) => ({
      key: `unreachable:${ids.join(',')}:${to.kind}:${to.id}`,
      kind: 'unreachable',
      recipientKind: to.kind,
      recipientId: to.id,
      provinceCode: recipient.provinceCode,
      communeCode: recipient.communeCode,
      productIdeaId: first?.productIdeaId ?? null,
      meetingId: first?.meetingId ?? null,
      parentKey: first?.key ?? null,
      level: (first?.level ?? 0) + 1,
      dueAt: now,
      sendAt: sendTimeFor(deps.timing, now, false),
      routine: false,
      vars,
      createdAt: now,
    })),
    skipDuplicates: true,
  });
  await event(tx, alerts.map((a) => a.id), 'planned', now);
  // Alerts go out with the next sweep (now, unless it is night).
  return [];
}

/** People with something due now, oldest first: one job each. */
export async function dueRecipients(db: Database, now: Date, limit = 500): Promise<{ ref: RecipientRef; firstDue: Date }[]> {
  const rows = await db.$queryRaw<{ recipient_kind: RecipientRef['kind']; recipient_id: bigint; first_due: Date }[]>`
    SELECT recipient_kind, recipient_id, min(send_at) AS first_due FROM notification
    WHERE state = 'planned' AND send_at <= ${now}
    GROUP BY recipient_kind, recipient_id ORDER BY first_due LIMIT ${limit}`;
  return rows.map((r) => ({ ref: { kind: r.recipient_kind, id: r.recipient_id }, firstDue: r.first_due }));
}
