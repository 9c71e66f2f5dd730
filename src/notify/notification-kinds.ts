import { z } from 'zod';
import type { Notification } from '../db/generated/client.js';
import type { Transaction } from '../db/database.js';
import { displayDate as formatDate, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { workingDaysBetween } from '../calendar/working-days.js';
import type { Locale, Translate } from '../i18n/translator.js';
import { displayAverage } from '../ocop/scoring.js';
import { checklistFor, type Checklist } from '../ocop/dossier-checklist.js';
import { satisfiedItems } from '../dossier/review-dossier.js';
import { registeredForReRanking } from './certified-products.js';
import { resolveRecipient } from './recipients.js';

/** The criteria whose star marks held a result below its band, as the result keeps them. */
const cappedCriteria = z.array(z.object({ code: z.string(), level: z.number(), title: z.string() }));

// What each kind of notification says, read from the database when it is sent: a
// reminder whose task is done by then is closed instead of sent.

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

/** Every kind a reminder may have: planning a kind that is not in the list does not compile. */
export type NotificationKindName = keyof typeof notificationKinds;

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

const open = (text: string): Reading => ({ state: 'open', text });
const done: Reading = { state: 'done' };
const cancelled: Reading = { state: 'cancelled' };

function varsOf(notification: Notification): Record<string, string> {
  const vars = notification.vars;
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return {};
  return Object.fromEntries(Object.entries(vars).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const today = (ctx: ReadContext): CalendarDate => vietnamDateOf(ctx.now);

/** The round a reminder is about and what its dates mean, as the texts show them. */
function roundTexts(vars: Record<string, string>): Record<string, string> {
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

async function meetingOf(ctx: ReadContext, notification: Notification) {
  if (notification.meetingId === null) return null;
  return ctx.tx.meeting.findUnique({ where: { id: notification.meetingId }, include: { council: true, products: true } });
}

/** Deliveries of a meeting still waiting for the member's "Đã nhận hồ sơ". */
async function unacknowledged(ctx: ReadContext, meetingId: bigint, personId?: bigint) {
  return ctx.tx.delivery.findMany({ where: { meetingId, productIdeaId: { not: null }, status: 'planned', ...(personId !== undefined ? { personId } : {}) }, orderBy: [{ personId: 'asc' }, { id: 'asc' }] });
}

/** The certificate a re-ranking notice is about; 'done' once its holder registered the re-ranking. */
async function unregisteredCertificate(ctx: ReadContext, n: Notification) {
  const certified = n.certifiedProductId === null ? null : await ctx.tx.certifiedProduct.findUnique({ where: { id: n.certifiedProductId } });
  if (!certified) return 'cancelled' as const;
  // Registered for re-ranking since: the reminder has done its work.
  return (await registeredForReRanking(ctx.tx, [certified])).has(certified.id) ? ('done' as const) : certified;
}

export const notificationKinds = {
  /** A producer whose dossier still misses required items before the commune's cut-off. */
  'dossier.missingBeforeCutoff': {
    routine: true,
    async read(ctx, n) {
      if (n.productIdeaId === null) return cancelled;
      const state = await missingItems(ctx, n.productIdeaId);
      if (!state || state.idea.status === 'returned') return cancelled;
      if (state.dossierStatus === 'submitted' || state.dossierStatus === 'checked' || state.missing === 0) return done;
      const vars = varsOf(n);
      // Planned before rounds were counted back to the producer's own day: replaced by a new plan.
      if (vars.producerLastDay === undefined) return cancelled;
      return open(
        ctx.translate(ctx.locale, 'notify.dossierMissingBeforeCutoff', {
          product: state.idea.productName,
          count: String(state.missing),
          ...roundTexts(vars),
        }),
      );
    },
  },
  'idea.businessPlanPending': {
    routine: true,
    async read(ctx, n) {
      const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId } });
      if (!idea || idea.status === 'returned') return cancelled;
      if (idea.businessPlan !== null) return done;
      return open(ctx.translate(ctx.locale, 'notify.businessPlanPending', { product: idea.productName, receipt: idea.receiptNumber }));
    },
  },
  'idea.returned': {
    routine: true,
    async read(ctx, n) {
      const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId } });
      if (!idea) return cancelled;
      // Sent back again later is another return, with its own reminder.
      if (idea.status !== 'returned' || idea.reviewedAt?.toISOString() !== varsOf(n).returnedAt) return done;
      return open(ctx.translate(ctx.locale, 'notify.ideaReturned', { product: idea.productName, reason: idea.reviewReason ?? '' }));
    },
  },
  'dossier.returned': {
    routine: true,
    async read(ctx, n) {
      const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId }, include: { dossier: true } });
      if (!idea?.dossier) return cancelled;
      const returns = await ctx.tx.dossierItemReturn.count({ where: { dossierId: idea.dossier.id, resolvedAt: null } });
      if (idea.dossier.status !== 'returned' || returns === 0) return done;
      return open(ctx.translate(ctx.locale, 'notify.dossierReturned', { product: idea.productName, count: String(returns) }));
    },
  },
  /** A producer whose dossier, on a meeting's list, was sent back for items: before the members must have it. */
  'dossier.missingBeforeMeeting': {
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
  },
  /** A producer: the council's score and stars, and what follows from them under the rule set (its title in vars). */
  'evaluation.result': {
    routine: false,
    heading: 'notify.resultHeading',
    async read(ctx, n) {
      const vars = varsOf(n);
      const resultId = vars.resultId;
      const result = resultId ? await ctx.tx.evaluationResult.findUnique({ where: { id: BigInt(resultId) }, include: { productIdea: true, meeting: { include: { council: true } } } }) : null;
      // A correction replaced it before it went: the corrected result has its own notice.
      if (!result || result.meeting.status === 'cancelled' || result.supersededAt !== null) return cancelled;
      // On the sheet a missed star mark holds the stars below the band (say which criterion), and a disqualification rules the dossier out (say why).
      const capped = cappedCriteria.safeParse(result.cappedBy);
      const held =
        result.bandStars !== null && capped.success && capped.data.length > 0
          ? `${ctx.translate(ctx.locale, 'notify.evaluationCapped', { band: String(result.bandStars), stars: String(result.stars), criteria: capped.data.map((c) => `${c.code}. ${c.title}`).join('; ') })} `
          : '';
      const outcome =
        held +
        (result.certifyingLevel === null
          ? ctx.translate(ctx.locale, 'notify.evaluationNoCertificate', { ruleSet: vars.ruleSetTitle ?? result.ruleSet, stars: String(result.stars) })
          : ctx.translate(ctx.locale, 'notify.evaluationCertify', { level: ctx.translate(ctx.locale, `notify.level.${result.certifyingLevel}`) }));
      // "Corrected" only to someone who was told the earlier result.
      const earlier = await ctx.tx.evaluationResult.findMany({ where: { meetingId: result.meetingId, productIdeaId: result.productIdeaId, id: { not: result.id } }, select: { id: true } });
      const toldEarlier =
        result.correctionReason !== null &&
        earlier.length > 0 &&
        (await ctx.tx.notification.count({ where: { kind: 'evaluation.result', state: 'sent', OR: earlier.map((e) => ({ vars: { path: ['resultId'], equals: String(e.id) } })) } })) > 0;
      const corrected = toldEarlier ? `${ctx.translate(ctx.locale, 'notify.evaluationCorrected', { reason: result.correctionReason ?? '' })} ` : '';
      const facts = { product: result.productIdea.productName, receipt: result.productIdea.receiptNumber, council: result.meeting.council.name, date: formatDate(result.meeting.date) };
      if (result.disqualifiedReason) return open(corrected + ctx.translate(ctx.locale, 'notify.evaluationDisqualified', { ...facts, reason: result.disqualifiedReason }));
      const text = ctx.translate(ctx.locale, 'notify.evaluationResult', {
        ...facts,
        average: displayAverage(ctx.locale, result.scoreSumHundredths, result.scoreCount),
        stars: String(result.stars),
        outcome,
      });
      return open(corrected + text);
    },
  },
  /** The re-ranking window of a certificate: opens 180 days before expiry (26/2026), notice ≥ 30 days (148). */
  'certificate.reRanking': {
    routine: true,
    async read(ctx, n) {
      const certified = await unregisteredCertificate(ctx, n);
      if (certified === 'cancelled') return cancelled;
      if (certified === 'done' || certified.expiresOn < today(ctx)) return done;
      const vars = varsOf(n);
      const key = !vars.closes ? 'notify.reRankingNotice' : vars.decideDays ? 'notify.reRankingWindowInWriting' : 'notify.reRankingWindow';
      return open(
        ctx.translate(ctx.locale, key, {
          product: certified.productName,
          stars: String(certified.stars),
          expires: formatDate(certified.expiresOn),
          opens: formatDate(vars.opens ?? ''),
          closes: formatDate(vars.closes ?? ''),
          ruleSet: vars.ruleSetTitle ?? '',
          decideDays: vars.decideDays ?? '',
        }),
      );
    },
  },
  /** A certificate whose re-ranking window closed before the rule set: it stays valid once filed (Decision 26/2026, Art. 12.3). */
  'certificate.reRankingLate': {
    routine: true,
    async read(ctx, n) {
      const certified = await unregisteredCertificate(ctx, n);
      if (certified === 'cancelled') return cancelled;
      const vars = varsOf(n);
      if (certified === 'done' || (vars.validUntil ?? '') < today(ctx)) return done;
      return open(
        ctx.translate(ctx.locale, 'notify.reRankingLate', {
          product: certified.productName,
          stars: String(certified.stars),
          expires: formatDate(certified.expiresOn),
          validUntil: formatDate(vars.validUntil ?? ''),
          ruleSet: vars.ruleSetTitle ?? '',
        }),
      );
    },
  },
  /** A commune official with a submitted dossier to check within their 15 working days. */
  'dossier.checkDue': {
    routine: true,
    async read(ctx, n) {
      const idea = n.productIdeaId === null ? null : await ctx.tx.productIdea.findUnique({ where: { id: n.productIdeaId }, include: { dossier: true } });
      if (!idea?.dossier) return cancelled;
      if (idea.dossier.status !== 'submitted') return done;
      return open(ctx.translate(ctx.locale, 'notify.dossierCheckDue', { product: idea.productName, receipt: idea.receiptNumber, deadline: formatDate(varsOf(n).deadline ?? '') }));
    },
  },
  /** A commune's officials before the cut-off: how many dossiers are incomplete or waiting. */
  'commune.cutoff': {
    routine: true,
    async read(ctx, n) {
      const vars = varsOf(n);
      if (vars.communeLastDay === undefined) return cancelled;
      if (vars.communeLastDay < today(ctx) || n.communeCode === null) return done;
      const dossiers = await ctx.tx.dossier.groupBy({ by: ['status'], where: { productIdea: { communeCode: n.communeCode, status: { not: 'returned' } } }, _count: true });
      const count = (status: string) => dossiers.find((d) => d.status === status)?._count ?? 0;
      const incomplete = count('collecting') + count('returned');
      const waiting = count('submitted');
      if (incomplete + waiting === 0) return done;
      return open(ctx.translate(ctx.locale, 'notify.communeCutoff', { ...roundTexts(vars), incomplete: String(incomplete), waiting: String(waiting) }));
    },
  },
  /** The province unit and secretaries before a province round closes. */
  'province.roundClose': {
    routine: true,
    async read(ctx, n) {
      const closes = varsOf(n).closes ?? '';
      if (closes < today(ctx)) return done;
      const checked = await ctx.tx.dossier.count({ where: { status: 'checked', productIdea: { provinceCode: n.provinceCode } } });
      const scheduled = await ctx.tx.meetingProduct.count({ where: { meeting: { status: { not: 'cancelled' }, council: { provinceCode: n.provinceCode } } } });
      return open(ctx.translate(ctx.locale, 'notify.provinceRoundClose', { closes: formatDate(closes), round: varsOf(n).round ?? '', roundYear: varsOf(n).roundYear ?? '', checked: String(checked), scheduled: String(scheduled) }));
    },
  },
  'campaign.deadline': {
    routine: true,
    async read(ctx, n) {
      const campaign = n.campaignDeadlineId === null ? null : await ctx.tx.campaignDeadline.findUnique({ where: { id: n.campaignDeadlineId } });
      if (!campaign || campaign.cancelledAt) return cancelled;
      if (campaign.dueDate < today(ctx)) return done;
      const left = workingDaysBetween(ctx.calendar, today(ctx), campaign.dueDate as CalendarDate);
      return open(ctx.translate(ctx.locale, 'notify.campaignDeadline', { title: campaign.title, date: formatDate(campaign.dueDate), left: String(left) }));
    },
  },
  /** A council person: the working day before the meeting, and on its morning. */
  'meeting.reminder': {
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
  },
  /** Secretaries and the province unit: the delivery deadline is near and not everyone has the dossiers. */
  'meeting.atRisk': {
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
  },
  /** Secretaries, at the delivery deadline: members who have not confirmed receipt. */
  'meeting.unacknowledged': {
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
  },
  /** A task left undone past its deadline, one level up; open as long as the task is. */
  escalation: {
    routine: true,
    async read(ctx, n): Promise<Reading> {
      const parent = n.parentKey === null ? null : await ctx.tx.notification.findUnique({ where: { key: n.parentKey } });
      if (!parent || parent.state === 'cancelled') return cancelled;
      if (parent.kind === 'escalation' || !isNotificationKind(parent.kind)) return cancelled;
      const reading: Reading = await kindOf(parent.kind).read(ctx, parent);
      if (reading.state !== 'open') return reading;
      const person = await resolveRecipient(ctx.tx, { kind: parent.recipientKind, id: parent.recipientId });
      const overdue = parent.deadline ? workingDaysBetween(ctx.calendar, vietnamDateOf(parent.deadline), today(ctx)) : 0;
      return open(ctx.translate(ctx.locale, 'notify.escalation', { name: person?.name ?? '—', overdue: String(Math.max(overdue, 0)), task: reading.text }));
    },
  },
  /** Someone nobody could reach, told to an official with what it was about. */
  unreachable: {
    routine: false,
    async read(ctx, n) {
      const vars = varsOf(n);
      return open(ctx.translate(ctx.locale, 'notify.unreachable', { name: vars.name ?? '—', phone: vars.phone ?? '—', about: vars.about ?? '' }));
    },
  },
  /** The province's administrators: the month's Zalo uploads have reached 80 % or 95 % of the quota. */
  uploadQuota: {
    routine: false,
    heading: 'notify.uploadQuotaHeading',
    async read(ctx, n) {
      const vars = varsOf(n);
      const [year, month] = (vars.month ?? '').split('-');
      return open(ctx.translate(ctx.locale, 'notify.uploadQuota', { percent: vars.percent ?? '—', uploads: vars.uploads ?? '—', quota: vars.quota ?? '—', month: `${month ?? ''}/${year ?? ''}` }));
    },
  },
  /** A person whose replies Zalo refused outside its window: write to the OA to receive them. */
  heldReplies: {
    routine: false,
    heading: 'notify.heldRepliesHeading',
    outsideWindow: true,
    async read(ctx, n) {
      const recipient = varsOf(n).recipient;
      // Gone already when the person wrote meanwhile or an official told them by phone.
      const waiting = recipient ? await ctx.tx.outboundMessage.count({ where: { recipient, status: 'held' } }) : 0;
      return waiting === 0 ? done : open(ctx.translate(ctx.locale, 'notify.heldReplies', { count: String(waiting) }));
    },
  },
} satisfies Record<string, NotificationKind>;

/** A stored kind this version knows (rows keep the kind as text). */
export function isNotificationKind(name: string): name is NotificationKindName {
  return Object.hasOwn(notificationKinds, name);
}

export function kindOf(name: string): NotificationKind {
  if (!isNotificationKind(name)) throw new Error(`unknown notification kind ${name}`);
  const kinds: Record<NotificationKindName, NotificationKind> = notificationKinds;
  return kinds[name]!;
}
