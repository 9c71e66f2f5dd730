import { z } from 'zod';
import type { Notification } from '../../db/generated/client.js';
import type { Transaction } from '../../db/database.js';
import { displayDate as formatDate, vietnamDateOf, type CalendarDate } from '../../calendar/calendar-date.js';
import type { WorkingCalendar } from '../../calendar/working-calendar.js';
import type { Locale, Translate } from '../../i18n/translator.js';
import { checklistFor, type Checklist } from '../../ocop/dossier-checklist.js';
import { satisfiedItems } from '../../dossier/review-dossier.js';
import { registeredForReRanking } from '../certified-products.js';

// What every kind of notification is made of (one file each beside this one, listed in
// ../notification-kinds.ts): what it says is read from the database when it is sent, so a
// reminder whose task is done by then is closed instead of sent.

/** The criteria whose star marks held a result below its band, as the result keeps them. */
export const cappedCriteria = z.array(z.object({ code: z.string(), level: z.number(), title: z.string() }));

export type Reading = { state: 'open'; text: string } | { state: 'done' } | { state: 'cancelled' };

export interface ReadContext {
  tx: Transaction;
  locale: Locale;
  translate: Translate;
  now: Date;
  calendar: WorkingCalendar;
  checklists: readonly Checklist[];
  /** A packet's link for a council person, valid through the meeting; no links without it. */
  packetLink?: (packetId: bigint, recipient: string, meetingDate: string) => string;
}

export interface NotificationKind {
  /** Waits for a working day and the routine hour; false for notices bound to a time (a meeting). */
  routine: boolean;
  /**
   * News, not a task (a result): sent alone under this heading (a locale key), never among
   * the reminders and without "Nhắc lại sau".
   */
  heading?: string;
  /**
   * Sent only when Zalo has just refused the person a consultation message: by template or
   * ZNS, whatever the bot last saw of them; with neither, no official is alerted, since the
   * person is already on the console's "Không liên lạc được" page.
   */
  outsideWindow?: true;
  read(ctx: ReadContext, notification: Notification): Promise<Reading>;
}

export const open = (text: string): Reading => ({ state: 'open', text });
export const done: Reading = { state: 'done' };
export const cancelled: Reading = { state: 'cancelled' };

export function varsOf(notification: Notification): Record<string, string> {
  const vars = notification.vars;
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return {};
  return Object.fromEntries(Object.entries(vars).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export const today = (ctx: ReadContext): CalendarDate => vietnamDateOf(ctx.now);

/** The round a reminder is about and what its dates mean, as the texts show them. */
export function roundTexts(vars: Record<string, string>): Record<string, string> {
  return {
    round: vars.round ?? '',
    roundYear: vars.roundYear ?? '',
    proposeBefore: formatDate(vars.proposeBefore ?? ''),
    communeLastDay: formatDate(vars.communeLastDay ?? ''),
    producerLastDay: formatDate(vars.producerLastDay ?? ''),
    checkDays: vars.checkDays ?? '',
  };
}

/** The required items the producer has not sent for an idea's dossier; null when the idea is gone. */
export async function missingItems(ctx: Pick<ReadContext, 'tx' | 'checklists'>, ideaId: bigint): Promise<{ idea: { productName: string; receiptNumber: string; status: string }; dossierStatus: string | null; missing: number } | null> {
  const idea = await ctx.tx.productIdea.findUnique({ where: { id: ideaId }, include: { producer: true, dossier: true } });
  if (!idea) return null;
  const required = checklistFor(ctx.checklists, { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: idea.producer.kind }).filter((i) => i.by === 'producer' && i.need === 'required');
  const have = idea.dossier ? await satisfiedItems(ctx.tx, idea.dossier.id) : new Set<string>();
  return { idea, dossierStatus: idea.dossier?.status ?? null, missing: required.filter((i) => !have.has(i.item)).length };
}

export async function meetingOf(ctx: ReadContext, notification: Notification) {
  if (notification.meetingId === null) return null;
  return ctx.tx.meeting.findUnique({ where: { id: notification.meetingId }, include: { council: true, products: true } });
}

/** Deliveries of a meeting still waiting for the member's "Đã nhận hồ sơ". */
export async function unacknowledged(ctx: ReadContext, meetingId: bigint, personId?: bigint) {
  return ctx.tx.delivery.findMany({ where: { meetingId, productIdeaId: { not: null }, status: 'planned', ...(personId !== undefined ? { personId } : {}) }, orderBy: [{ personId: 'asc' }, { id: 'asc' }] });
}

/** The certificate a re-ranking notice is about; 'done' once its holder registered the re-ranking. */
export async function unregisteredCertificate(ctx: ReadContext, n: Notification) {
  const certified = n.certifiedProductId === null ? null : await ctx.tx.certifiedProduct.findUnique({ where: { id: n.certifiedProductId } });
  if (!certified) return 'cancelled' as const;
  // Registered for re-ranking since: the reminder has done its work.
  return (await registeredForReRanking(ctx.tx, [certified])).has(certified.id) ? ('done' as const) : certified;
}
