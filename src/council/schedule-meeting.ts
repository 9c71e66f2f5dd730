import { displayDate } from '../calendar/calendar-date.js';
import { parseCalendarDate, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { deliveryDeadline, earliestMeetingDate } from '../calendar/working-days.js';
import type { Transaction } from '../db/database.js';
import type { Meeting } from '../db/generated/client.js';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import { addToOutbox } from '../outbound/outbox.js';
import { DomainError } from '../errors/domain-error.js';

/** What decides when dossiers must arrive: the working calendar and the province's settings. */
export interface MeetingRules {
  calendar: WorkingCalendar;
  settingsFor: (provinceCode: string) => ProvinceSettings;
}

/** The meeting is too close: members would not have their working days with the dossiers. */
export class MeetingTooSoonError extends DomainError {
  override name = 'MeetingTooSoonError';
  readonly code = 'meeting.tooSoon';
  constructor(
    readonly earliest: CalendarDate,
    readonly leadWorkingDays: number,
  ) {
    super(`too soon for ${leadWorkingDays} working day(s) with the dossiers; the earliest lawful date is ${earliest}`);
  }
}

/** Only dossiers the commune has checked go to a council. */
export class MeetingProductsNotReadyError extends DomainError {
  override name = 'MeetingProductsNotReadyError';
  readonly code = 'meeting.productsNotReady';
  constructor(readonly ideaIds: bigint[]) {
    super(`these ideas have no checked dossier in the council's province: ${ideaIds.join(', ')}`);
  }
}

export class MeetingNotFoundError extends DomainError {
  override name = 'MeetingNotFoundError';
  readonly code = 'meeting.notFound';
}

export interface MeetingPlan {
  date: string;
  time: string;
  place: string;
  productIdeaIds: bigint[];
}

/** The delivery deadline of a meeting on `date`, refused when it has already passed at `now`. */
function deadlineFor(rules: MeetingRules, provinceCode: string, date: CalendarDate, now: Date) {
  const settings = rules.settingsFor(provinceCode);
  const lead = { leadWorkingDays: settings.leadWorkingDays, officeOpens: settings.officeOpens };
  const deadline = deliveryDeadline(rules.calendar, { ...lead, meetingDate: date });
  if (deadline.instant.getTime() <= now.getTime()) throw new MeetingTooSoonError(earliestMeetingDate(rules.calendar, { ...lead, now }), settings.leadWorkingDays);
  return { deadline, leadWorkingDays: settings.leadWorkingDays };
}

async function checkProducts(tx: Transaction, provinceCode: string, ideaIds: bigint[]): Promise<void> {
  const ready = await tx.productIdea.findMany({ where: { id: { in: ideaIds }, provinceCode, dossier: { status: 'checked' } }, select: { id: true } });
  const readyIds = new Set(ready.map((r) => r.id));
  const missing = ideaIds.filter((id) => !readyIds.has(id));
  if (missing.length > 0) throw new MeetingProductsNotReadyError(missing);
}

/**
 * Schedules a meeting of a council: its date must leave the members their lead time in
 * working days (else the earliest lawful date is named), its products must have checked
 * dossiers. The delivery deadline is stored with it.
 */
export async function scheduleMeeting(tx: Transaction, rules: MeetingRules, input: MeetingPlan & { councilId: bigint; provinceCode: string; by: string; now: Date }): Promise<Meeting> {
  const date = parseCalendarDate(input.date);
  const { deadline, leadWorkingDays } = deadlineFor(rules, input.provinceCode, date, input.now);
  await checkProducts(tx, input.provinceCode, input.productIdeaIds);
  const meeting = await tx.meeting.create({
    data: { councilId: input.councilId, date, time: input.time, place: input.place, leadWorkingDays, deliveryDeadline: deadline.instant, createdBy: input.by, createdAt: input.now, updatedAt: input.now },
  });
  await tx.meetingProduct.createMany({ data: input.productIdeaIds.map((productIdeaId) => ({ meetingId: meeting.id, productIdeaId })) });
  return meeting;
}

/** Moves a meeting or changes its products; the deadline is computed again, under today's rules. */
export async function moveMeeting(tx: Transaction, rules: MeetingRules, input: Partial<MeetingPlan> & { meetingId: bigint; provinceCode: string; now: Date }): Promise<Meeting> {
  const meeting = await tx.meeting.findFirst({ where: { id: input.meetingId, council: { provinceCode: input.provinceCode }, status: { not: 'cancelled' } } });
  if (!meeting) throw new MeetingNotFoundError(`meeting ${input.meetingId}`);
  const date = parseCalendarDate(input.date ?? meeting.date);
  const { deadline, leadWorkingDays } = deadlineFor(rules, input.provinceCode, date, input.now);
  if (input.productIdeaIds) {
    await checkProducts(tx, input.provinceCode, input.productIdeaIds);
    await tx.meetingProduct.deleteMany({ where: { meetingId: meeting.id } });
    await tx.meetingProduct.createMany({ data: input.productIdeaIds.map((productIdeaId) => ({ meetingId: meeting.id, productIdeaId })) });
  }
  return tx.meeting.update({
    where: { id: meeting.id },
    data: { date, time: input.time ?? meeting.time, place: input.place ?? meeting.place, leadWorkingDays, deliveryDeadline: deadline.instant, updatedAt: input.now },
  });
}

/** Cancels a meeting and tells everyone on the council whose Zalo is linked, each in their language. */
export async function cancelMeeting(tx: Transaction, input: { meetingId: bigint; provinceCode: string; now: Date; translate: Translate }): Promise<bigint[]> {
  const meeting = await tx.meeting.findFirst({
    where: { id: input.meetingId, council: { provinceCode: input.provinceCode }, status: { not: 'cancelled' } },
    include: { council: { include: { members: { include: { person: true } } } } },
  });
  if (!meeting) throw new MeetingNotFoundError(`meeting ${input.meetingId}`);
  await tx.meeting.update({ where: { id: meeting.id }, data: { status: 'cancelled', updatedAt: input.now } });
  const people = meeting.council.members.flatMap((m) => (m.person.zaloUserId ? [m.person.zaloUserId] : []));
  const users = await tx.zaloUser.findMany({ where: { id: { in: people } }, select: { id: true, locale: true } });
  const localeOf = new Map(users.map((u) => [u.id, isLocale(u.locale) ? u.locale : defaultLocale]));
  const vars = { council: meeting.council.name, date: displayDate(meeting.date), time: meeting.time, place: meeting.place };
  return addToOutbox(
    tx,
    people.map((recipient) => ({
      idempotencyKey: `meeting:${meeting.id}:cancelled:${recipient}`,
      recipient,
      message: { kind: 'text', text: input.translate(localeOf.get(recipient) ?? defaultLocale, 'meeting.cancelled', vars) },
    })),
    input.now,
  );
}
