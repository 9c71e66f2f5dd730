import { Prisma, type RecipientKind } from '../db/generated/client.js';
import type { Database } from '../db/database.js';
import { addDays, vietnamDateOf, vietnamInstant, type CalendarDate } from '../calendar/calendar-date.js';
import { addWorkingDays, previousWorkingDay } from '../calendar/working-days.js';
import type { Logger } from '../observability/logger.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import { nextRoundClosing, nextRoundFor, provinceRoundRules, type RoundDeadlines, type RoundRule } from '../ocop/evaluation-rounds.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';
import { lateReRankingValidUntil, reRankingWindow } from './certified-products.js';
import { kindOf, type NotificationKindName, type ReadContext } from './notification-kinds.js';
import type { NotifyRules } from './notify-rules.js';
import { officialsAt, type RecipientRef } from './recipients.js';
import { routineTimeOn, sendTimeFor, type NotifyTiming } from './timing.js';
import type { Translate } from '../i18n/translator.js';

// Turns the state of ideas, dossiers, certificates, meetings and campaign deadlines into
// dated notifications. Every notification has a key naming its subject and occasion, so
// planning again (every few minutes) adds only what is new; whether it is still needed
// is decided when it falls due (see notification-kinds.ts).

export interface PlanDeps {
  db: Database;
  now: () => Date;
  timing: NotifyTiming;
  rules: NotifyRules;
  ruleSets: readonly RuleSet[];
  checklists: readonly Checklist[];
  /** a province's own settings, among them its extra evaluation rounds */
  settingsFor: (provinceCode: string) => ProvinceSettings;
  translate: Translate;
  logger: Logger;
}

interface Planned {
  key: string;
  kind: NotificationKindName;
  recipient: RecipientRef;
  provinceCode: string;
  communeCode?: string | null;
  productIdeaId?: bigint;
  meetingId?: bigint;
  certifiedProductId?: bigint;
  campaignDeadlineId?: bigint;
  parentKey?: string;
  level?: number;
  deadline?: Date;
  dueAt: Date;
  vars?: Record<string, string>;
}

/** Reminders are planned this far ahead; later ones on a later run. */
const horizonMs = 45 * 24 * 3600_000;
/** A reminder whose time passed longer ago than this (the service was down) is skipped unless it is the last before its deadline. */
const graceMs = 2 * 24 * 3600_000;

const endOf = (date: CalendarDate) => vietnamInstant(date, '23:59');

/** Plans what is due in the horizon; returns how many notifications are new and how many were closed. */
export async function planNotifications(deps: PlanDeps): Promise<{ planned: number; closed: number }> {
  const now = deps.now();
  const today = vietnamDateOf(now);
  const { calendar } = deps.timing;
  const planned: Planned[] = [];
  const routineAt = (date: CalendarDate) => routineTimeOn(deps.timing, date);
  // Officials of a commune (or the province unit) are looked up once per run, not per idea.
  const officialsCache = new Map<string, Promise<{ id: bigint }[]>>();
  const officialsOf = (region: { provinceCode: string; communeCode: string | null }, level: 1 | 2) => {
    const key = `${region.provinceCode}:${level === 1 ? region.communeCode : ''}:${level}`;
    const cached = officialsCache.get(key) ?? deps.db.$transaction((tx) => officialsAt(tx, region, level));
    officialsCache.set(key, cached);
    return cached;
  };
  /** Reminders `offsets` working days before `deadline`; the last one is kept even when late. */
  const remindersBefore = (deadline: CalendarDate, offsets: readonly number[], make: (offset: number, dueAt: Date) => Planned): Planned[] => {
    const sorted = [...offsets].sort((a, b) => b - a);
    return sorted.flatMap((offset, i) => {
      const dueAt = routineAt(addWorkingDays(calendar, deadline, -offset));
      const last = i === sorted.length - 1;
      if (dueAt.getTime() > now.getTime() + horizonMs) return [];
      if (dueAt.getTime() < now.getTime() - graceMs && !(last && endOf(deadline).getTime() >= now.getTime())) return [];
      return [make(offset, dueAt)];
    });
  };
  /** The task one and two levels up, N and 2N working days after its deadline. */
  const escalations = async (parent: Planned, deadline: CalendarDate, region: { provinceCode: string; communeCode: string | null }, fromLevel: number): Promise<Planned[]> => {
    const out: Planned[] = [];
    for (const level of [1, 2] as const) {
      if (level <= fromLevel) continue;
      const steps = level - fromLevel;
      const dueAt = routineAt(addWorkingDays(calendar, deadline, steps * deps.rules.escalateAfterWorkingDays));
      const officials = await officialsOf(region, level);
      for (const official of officials) {
        out.push({
          ...parent,
          key: `escalation:${parent.key}:l${level}:${official.id}`,
          kind: 'escalation',
          recipient: { kind: 'official', id: official.id },
          parentKey: parent.key,
          level,
          dueAt,
        });
      }
    }
    return out;
  };

  const ruleSet = ruleSetInForce(deps.ruleSets, now);
  // The province rounds of each province: the rule set's and the province's own.
  const roundRules = (provinceCode: string): RoundRule[] => provinceRoundRules(ruleSet?.rounds, deps.settingsFor(provinceCode).extraRounds);
  const roundFor = (who: 'producer' | 'commune', provinceCode: string) =>
    nextRoundFor(who, { calendar, rules: roundRules(provinceCode), today, checkWorkingDays: deps.rules.dossierCheckWorkingDays });
  const roundVars = (d: RoundDeadlines) => ({ round: String(d.round.number), roundYear: String(d.round.year), proposeBefore: d.round.proposeBefore, communeLastDay: d.communeLastDay, producerLastDay: d.producerLastDay, checkDays: String(deps.rules.dossierCheckWorkingDays) });

  // Producers: missing items before the cut-off, a business plan not given, an idea returned.
  const ideas = await deps.db.productIdea.findMany({
    where: { OR: [{ status: 'returned' }, { dossier: null }, { dossier: { status: { in: ['collecting', 'returned', 'submitted'] } } }, { kind: 'new_product', businessPlan: { equals: Prisma.DbNull } }] },
    include: { dossier: true },
    orderBy: { id: 'asc' },
  });
  for (const idea of ideas) {
    const region = { provinceCode: idea.provinceCode, communeCode: idea.communeCode };
    const producer: RecipientRef = { kind: 'producer', id: idea.producerId };
    const base = { recipient: producer, ...region, productIdeaId: idea.id };
    const dossierOpen = idea.status !== 'returned' && (!idea.dossier || idea.dossier.status === 'collecting' || idea.dossier.status === 'returned');
    const round = dossierOpen ? roundFor('producer', idea.provinceCode) : undefined;
    if (round) {
      // Counted back from the producer's own last day, not the commune's (Art. 5.1 with 7.2).
      const lastDay = round.producerLastDay;
      const reminders = remindersBefore(lastDay, deps.rules.remindBefore.producerRoundDeadline, (offset, dueAt) => ({
        ...base,
        key: `dossier.missingBeforeCutoff:${idea.id}:${lastDay}:${offset}`,
        kind: 'dossier.missingBeforeCutoff',
        deadline: endOf(lastDay),
        dueAt,
        vars: roundVars(round),
      }));
      planned.push(...reminders);
      const last = reminders.at(-1);
      if (last) planned.push(...(await escalations(last, lastDay, region, 0)));
    }
    if (idea.kind === 'new_product' && idea.businessPlan === null && idea.status !== 'returned') {
      planned.push({ ...base, key: `idea.businessPlanPending:${idea.id}`, kind: 'idea.businessPlanPending', dueAt: routineAt(addWorkingDays(calendar, vietnamDateOf(idea.submittedAt), deps.rules.businessPlanAfterWorkingDays)) });
    }
    if (idea.status === 'returned' && idea.reviewedAt) {
      planned.push({
        ...base,
        key: `idea.returned:${idea.id}:${idea.reviewedAt.getTime()}`,
        kind: 'idea.returned',
        dueAt: routineAt(addWorkingDays(calendar, vietnamDateOf(idea.reviewedAt), deps.rules.returnedAfterWorkingDays)),
        vars: { returnedAt: idea.reviewedAt.toISOString() },
      });
    }
    if (idea.dossier?.status === 'returned') {
      const lastReturn = await deps.db.dossierItemReturn.findFirst({ where: { dossierId: idea.dossier.id, resolvedAt: null }, orderBy: { returnedAt: 'desc' } });
      if (lastReturn) {
        planned.push({ ...base, key: `dossier.returned:${idea.id}:${lastReturn.returnedAt.getTime()}`, kind: 'dossier.returned', dueAt: routineAt(addWorkingDays(calendar, vietnamDateOf(lastReturn.returnedAt), deps.rules.returnedAfterWorkingDays)) });
      }
    }
    // Commune officials: the dossier's check within 15 working days of its submission.
    // Counted from the "submitted" event, written with the submission by the application
    // clock; a dossier without one has no known start, so nothing is planned for it.
    const submitted = idea.dossier?.status === 'submitted' ? await deps.db.dossierEvent.findFirst({ where: { dossierId: idea.dossier.id, action: 'submitted' }, orderBy: { id: 'desc' } }) : null;
    if (submitted) {
      const deadline = addWorkingDays(calendar, vietnamDateOf(submitted.at), deps.rules.dossierCheckWorkingDays);
      const officials = await officialsOf(region, 1);
      const stamp = submitted.at.getTime();
      for (const [i, official] of officials.entries()) {
        const reminders = remindersBefore(deadline, deps.rules.remindBefore.dossierCheck, (offset, dueAt) => ({
          ...region,
          recipient: { kind: 'official', id: official.id },
          productIdeaId: idea.id,
          key: `dossier.checkDue:${idea.id}:${stamp}:${offset}:${official.id}`,
          kind: 'dossier.checkDue',
          level: 1,
          deadline: endOf(deadline),
          dueAt,
          vars: { deadline },
        }));
        planned.push(...reminders);
        const last = reminders.at(-1);
        // One escalation for the task, not one per official who missed it.
        if (last && i === 0) planned.push(...(await escalations(last, deadline, region, 1)));
      }
    }
  }

  // Commune officials before their last day to propose, in communes with dossiers still open.
  if (ruleSet?.rounds) {
    const communes = await deps.db.productIdea.findMany({ where: { status: { not: 'returned' }, OR: [{ dossier: null }, { dossier: { status: { not: 'checked' } } }] }, select: { communeCode: true, provinceCode: true }, distinct: ['communeCode'] });
    const officials = await deps.db.official.findMany({ where: { role: 'commune', communeCode: { in: communes.map((c) => c.communeCode) }, deactivatedAt: null }, orderBy: { id: 'asc' } });
    for (const official of officials) {
      const round = roundFor('commune', official.provinceCode);
      if (!round) continue;
      planned.push(
        ...remindersBefore(round.communeLastDay, deps.rules.remindBefore.communeCutoff, (offset, dueAt) => ({
          key: `commune.cutoff:${official.communeCode}:${round.communeLastDay}:${offset}:${official.id}`,
          kind: 'commune.cutoff',
          recipient: { kind: 'official', id: official.id },
          provinceCode: official.provinceCode,
          communeCode: official.communeCode,
          level: 1,
          deadline: endOf(round.communeLastDay),
          dueAt,
          vars: roundVars(round),
        })),
      );
    }
  }

  // The province unit and secretaries before a province round closes.
  if (ruleSet?.rounds) {
    const officials = await deps.db.official.findMany({ where: { role: { in: ['province', 'secretary'] }, deactivatedAt: null }, orderBy: { id: 'asc' } });
    for (const official of officials) {
      const round = nextRoundClosing(roundRules(official.provinceCode), today);
      if (!round) continue;
      planned.push(
        ...remindersBefore(round.closesBefore, deps.rules.remindBefore.provinceRoundClose, (offset, dueAt) => ({
          key: `province.roundClose:${official.provinceCode}:${round.closesBefore}:${offset}:${official.id}`,
          kind: 'province.roundClose',
          recipient: { kind: 'official', id: official.id },
          provinceCode: official.provinceCode,
          level: 2,
          deadline: endOf(round.closesBefore),
          dueAt,
          vars: { closes: round.closesBefore, round: String(round.number), roundYear: String(round.year) },
        })),
      );
    }
  }

  // Certificates: the re-ranking window, from the rule set in force.
  if (ruleSet) {
    const notice = ruleSet.certificate.reRankingNoticeDaysBeforeExpiry;
    const certified = await deps.db.certifiedProduct.findMany({ where: { expiresOn: { gte: today, lte: addDays(today, notice + 45) } }, orderBy: { id: 'asc' } });
    for (const c of certified) {
      const { opens, closes, expires } = reRankingWindow(ruleSet, c.expiresOn as CalendarDate);
      const dueAt = routineAt(opens < today ? today : opens);
      if (dueAt.getTime() > now.getTime() + horizonMs) continue;
      const recipient: RecipientRef = c.producerId ? { kind: 'producer', id: c.producerId } : { kind: 'certified_producer', id: c.id };
      const reminder: Planned = {
        key: `certificate.reRanking:${c.id}:${c.expiresOn}`,
        kind: 'certificate.reRanking',
        recipient,
        provinceCode: c.provinceCode,
        communeCode: c.communeCode,
        certifiedProductId: c.id,
        deadline: endOf(closes ?? expires),
        dueAt,
        vars: closes ? { opens, closes, ruleSetTitle: ruleSet.title, ...(ruleSet.reRanking ? { decideDays: String(ruleSet.reRanking.decideWithinDays) } : {}) } : {},
      };
      planned.push(reminder, ...(await escalations(reminder, closes ?? expires, { provinceCode: c.provinceCode, communeCode: c.communeCode }, 0)));
    }
    // Certificates whose window had closed when the rule set came into force: still valid
    // once the holder files, until the result, for at most so many days past expiry.
    const grace = ruleSet.transition?.lateReRankingValidDaysAfterExpiry;
    const closesBefore = ruleSet.certificate.reRankingClosesDaysBeforeExpiry;
    if (grace !== undefined && closesBefore !== undefined) {
      const lastCovered = addDays(ruleSet.inForceFrom as CalendarDate, closesBefore - 1);
      const late = await deps.db.certifiedProduct.findMany({ where: { expiresOn: { gte: addDays(today, -grace), lte: lastCovered } }, orderBy: { id: 'asc' } });
      for (const c of late) {
        const validUntil = lateReRankingValidUntil(ruleSet, c.expiresOn as CalendarDate);
        if (validUntil === undefined || validUntil < today) continue;
        planned.push({
          key: `certificate.reRankingLate:${c.id}:${c.expiresOn}`,
          kind: 'certificate.reRankingLate',
          recipient: c.producerId ? { kind: 'producer', id: c.producerId } : { kind: 'certified_producer', id: c.id },
          provinceCode: c.provinceCode,
          communeCode: c.communeCode,
          certifiedProductId: c.id,
          deadline: endOf(validUntil),
          dueAt: routineAt(today),
          vars: { validUntil, ruleSetTitle: ruleSet.title },
        });
      }
    }
  }

  // Deadlines officials entered for their region.
  const campaigns = await deps.db.campaignDeadline.findMany({ where: { cancelledAt: null, dueDate: { gte: today } }, orderBy: { id: 'asc' } });
  for (const campaign of campaigns) {
    const officials = await deps.db.official.findMany({
      where: { provinceCode: campaign.provinceCode, role: { in: campaign.audience }, deactivatedAt: null, ...(campaign.communeCode ? { OR: [{ communeCode: campaign.communeCode }, { role: { not: 'commune' } }] } : {}) },
      orderBy: { id: 'asc' },
    });
    for (const official of officials) {
      planned.push(
        ...remindersBefore(campaign.dueDate as CalendarDate, campaign.remindWorkingDaysBefore, (offset, dueAt) => ({
          key: `campaign.deadline:${campaign.id}:${offset}:${official.id}`,
          kind: 'campaign.deadline',
          recipient: { kind: 'official', id: official.id },
          provinceCode: campaign.provinceCode,
          communeCode: campaign.communeCode,
          campaignDeadlineId: campaign.id,
          level: official.role === 'commune' ? 1 : 2,
          deadline: endOf(campaign.dueDate as CalendarDate),
          dueAt,
          vars: { date: campaign.dueDate },
        })),
      );
    }
  }

  // Meetings: members the working day before and on the morning; secretaries when delivery lags.
  const meetings = await deps.db.meeting.findMany({ where: { status: { in: ['scheduled', 'locked'] }, date: { gte: today } }, include: { council: { include: { members: true } }, products: true }, orderBy: { id: 'asc' } });
  for (const meeting of meetings) {
    const date = meeting.date as CalendarDate;
    const region = { provinceCode: meeting.council.provinceCode, communeCode: null, meetingId: meeting.id };
    const deadlineStamp = meeting.deliveryDeadline.getTime();
    // Producers whose dossier on the list was sent back for items: before the members must have it.
    const sentBack = await deps.db.productIdea.findMany({
      where: { id: { in: meeting.products.map((p) => p.productIdeaId) }, dossier: { status: { in: ['collecting', 'returned'] } } },
      orderBy: { id: 'asc' },
    });
    for (const idea of sentBack) {
      planned.push(
        ...remindersBefore(vietnamDateOf(meeting.deliveryDeadline), deps.rules.remindBefore.meetingDelivery, (offset, dueAt) => ({
          key: `dossier.missingBeforeMeeting:${idea.id}:${meeting.id}:${deadlineStamp}:${offset}`,
          kind: 'dossier.missingBeforeMeeting',
          recipient: { kind: 'producer', id: idea.producerId },
          provinceCode: idea.provinceCode,
          communeCode: idea.communeCode,
          productIdeaId: idea.id,
          meetingId: meeting.id,
          deadline: meeting.deliveryDeadline,
          dueAt,
          vars: { deliveryDeadline: meeting.deliveryDeadline.toISOString() },
        })),
      );
    }
    for (const member of meeting.council.members) {
      const recipient: RecipientRef = { kind: 'council_person', id: member.personId };
      planned.push(
        { ...region, recipient, key: `meeting.reminder:${meeting.id}:${date}:eve:${member.personId}`, kind: 'meeting.reminder', dueAt: routineAt(previousWorkingDay(calendar, date)), vars: { date } },
        { ...region, recipient, key: `meeting.reminder:${meeting.id}:${date}:morning:${member.personId}`, kind: 'meeting.reminder', dueAt: vietnamInstant(date, deps.timing.quietEnd), vars: { date } },
      );
      if (member.role === 'secretary') {
        planned.push(
          { ...region, recipient, key: `meeting.atRisk:${meeting.id}:${deadlineStamp}:${member.personId}`, kind: 'meeting.atRisk', dueAt: new Date(deadlineStamp - 12 * 3600_000), vars: { date } },
          { ...region, recipient, key: `meeting.unacknowledged:${meeting.id}:${deadlineStamp}:${member.personId}`, kind: 'meeting.unacknowledged', dueAt: new Date(deadlineStamp + 2 * 3600_000), vars: { date } },
        );
      }
    }
  }

  // Producers: the council's results, as soon as they are recorded (a correction is a new result, told again).
  const results = await deps.db.evaluationResult.findMany({ where: { recordedAt: { gte: new Date(now.getTime() - horizonMs) }, supersededAt: null }, include: { productIdea: true }, orderBy: { id: 'asc' } });
  for (const result of results) {
    const idea = result.productIdea;
    planned.push({
      key: `evaluation.result:${result.id}`,
      kind: 'evaluation.result',
      recipient: { kind: 'producer', id: idea.producerId },
      provinceCode: idea.provinceCode,
      communeCode: idea.communeCode,
      productIdeaId: idea.id,
      meetingId: result.meetingId,
      dueAt: result.recordedAt,
      vars: { resultId: String(result.id), ruleSetTitle: deps.ruleSets.find((r) => r.id === result.ruleSet)?.title ?? result.ruleSet },
    });
  }

  const fresh = planned.filter((p) => p.dueAt.getTime() <= now.getTime() + horizonMs);
  const created = await insertPlanned(deps, fresh, now);
  const closed = await closeFinished(deps, now);
  if (created > 0 || closed > 0) deps.logger.info({ planned: created, closed }, 'notifications planned');
  return { planned: created, closed };
}

async function insertPlanned(deps: PlanDeps, planned: Planned[], now: Date): Promise<number> {
  let created = 0;
  for (let i = 0; i < planned.length; i += 500) {
    const data: Prisma.NotificationCreateManyInput[] = planned.slice(i, i + 500).map((p) => {
      const routine = kindOf(p.kind).routine;
      return {
        key: p.key,
        kind: p.kind,
        recipientKind: p.recipient.kind satisfies RecipientKind,
        recipientId: p.recipient.id,
        provinceCode: p.provinceCode,
        communeCode: p.communeCode ?? null,
        productIdeaId: p.productIdeaId ?? null,
        meetingId: p.meetingId ?? null,
        certifiedProductId: p.certifiedProductId ?? null,
        campaignDeadlineId: p.campaignDeadlineId ?? null,
        parentKey: p.parentKey ?? null,
        level: p.level ?? 0,
        deadline: p.deadline ?? null,
        dueAt: p.dueAt,
        sendAt: sendTimeFor(deps.timing, p.dueAt, routine),
        routine,
        vars: p.vars ?? {},
        createdAt: now,
      };
    });
    await deps.db.$transaction(async (tx) => {
      const rows = await tx.notification.createManyAndReturn({ data, skipDuplicates: true, select: { id: true } });
      await tx.notificationEvent.createMany({ data: rows.map((r) => ({ notificationId: r.id, action: 'planned', actor: 'system', at: now })) });
      created += rows.length;
    });
  }
  return created;
}

/** Planned notifications whose task is already done (or whose subject is gone) are closed now, not at their time. */
async function closeFinished(deps: PlanDeps, now: Date): Promise<number> {
  const waiting = await deps.db.notification.findMany({ where: { state: 'planned', kind: { not: 'unreachable' } }, orderBy: { sendAt: 'asc' }, take: 500 });
  let closed = 0;
  for (const n of waiting) {
    closed += await deps.db.$transaction(async (tx) => {
      const ctx: ReadContext = { tx, locale: 'vi', translate: deps.translate, now, calendar: deps.timing.calendar, checklists: deps.checklists };
      const reading = await kindOf(n.kind).read(ctx, n);
      if (reading.state === 'open') return 0;
      const changed = await tx.notification.updateMany({ where: { id: n.id, state: 'planned' }, data: { state: reading.state, closedAt: now } });
      if (changed.count === 0) return 0;
      await tx.notificationEvent.create({ data: { notificationId: n.id, action: reading.state, actor: 'system', at: now, detail: { reason: reading.state === 'done' ? 'task done' : 'subject gone' } } });
      return 1;
    });
  }
  return closed;
}
