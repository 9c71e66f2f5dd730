import { z } from 'zod';
import { displayDate, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { addWorkingDays, workingDaysBetween } from '../calendar/working-days.js';
import type { Database } from '../db/database.js';
import type { Dossier, Official, Producer, ProductIdea } from '../db/generated/client.js';
import { resolveRecipient } from '../notify/recipients.js';
import { ideaRegion } from '../officials/region-scope.js';
import { displayPhone } from '../text/phone.js';

// What the console lists: an official's tasks by deadline, and the ideas of their region
// with filters, on the page or as an Excel workbook.

export interface ConsoleTask {
  kind: 'reviewIdea' | 'checkDossier' | 'awaitProducer' | 'unreachable' | 'lockMeeting' | 'unacknowledged' | 'refusedByZalo' | 'answerRequest';
  href: string;
  productName: string;
  receiptNumber: string;
  producerName: string;
  /** yyyy-mm-dd (Vietnam): since when it waits */
  since: CalendarDate;
  /** the legal deadline, where there is one (the commune's working days to check a dossier) */
  deadline?: CalendarDate;
  workingDaysLeft?: number;
}

/**
 * The official's tasks: ideas to review, dossiers to check with the working days left of
 * the commune's check, and dossiers returned and awaited from the producer; the nearest
 * deadline first, then the oldest.
 */
export async function consoleTasks(db: Database, input: { official: Official; now: Date; calendar: WorkingCalendar; checkWorkingDays: number; requestAnswerWorkingDays: number }): Promise<ConsoleTask[]> {
  const today = vietnamDateOf(input.now);
  const region = ideaRegion(input.official);
  const ideas = await db.productIdea.findMany({
    where: { AND: [region, { OR: [{ status: 'submitted' }, { dossier: { status: { in: ['submitted', 'returned'] } } }] }] },
    include: { producer: { select: { name: true } }, dossier: { include: { events: { where: { action: { in: ['submitted', 'item_returned'] } }, orderBy: { id: 'desc' }, take: 1 } } } },
    orderBy: { id: 'asc' },
  });
  const tasks: ConsoleTask[] = [];
  for (const idea of ideas) {
    const base = { productName: idea.productName, receiptNumber: idea.receiptNumber, producerName: idea.producer.name };
    if (idea.status === 'submitted') tasks.push({ ...base, kind: 'reviewIdea', href: `/console/ideas/${String(idea.id)}`, since: vietnamDateOf(idea.submittedAt) });
    const dossier = idea.dossier;
    const last = dossier?.events[0];
    if (!dossier || !last) continue;
    const since = vietnamDateOf(last.at);
    const href = `/console/ideas/${String(idea.id)}/dossier`;
    if (dossier.status === 'submitted') {
      // Art. 7.2 of Decision 26/2026: the commune checks within 15 working days of receiving it.
      const deadline = addWorkingDays(input.calendar, since, input.checkWorkingDays);
      tasks.push({ ...base, kind: 'checkDossier', href, since, deadline, workingDaysLeft: workingDaysBetween(input.calendar, today, deadline) });
    } else if (dossier.status === 'returned') {
      tasks.push({ ...base, kind: 'awaitProducer', href, since });
    }
  }
  // The province's meetings: lists to make final before their delivery deadline, and
  // members who have not confirmed receipt before the meeting.
  if (input.official.role !== 'commune') {
    const meetings = await db.meeting.findMany({ where: { council: { provinceCode: input.official.provinceCode }, status: { in: ['scheduled', 'locked'] }, date: { gte: today } }, include: { council: true }, orderBy: { date: 'asc' } });
    for (const meeting of meetings) {
      const base = { href: `/console/meetings/${String(meeting.id)}`, productName: meeting.council.name, receiptNumber: `${displayDate(meeting.date)} ${meeting.time}`, since: vietnamDateOf(meeting.createdAt) };
      if (meeting.status === 'scheduled') {
        const deadline = vietnamDateOf(meeting.deliveryDeadline);
        tasks.push({ ...base, kind: 'lockMeeting', producerName: meeting.place, deadline, workingDaysLeft: workingDaysBetween(input.calendar, today, deadline) });
        continue;
      }
      const waiting = await db.delivery.findMany({ where: { meetingId: meeting.id, productIdeaId: { not: null }, status: 'planned' }, distinct: ['personId'], select: { personId: true } });
      if (waiting.length === 0) continue;
      const people = await db.councilPerson.findMany({ where: { id: { in: waiting.map((w) => w.personId) } }, select: { name: true }, orderBy: { id: 'asc' } });
      const deadline = meeting.date as CalendarDate;
      tasks.push({ ...base, kind: 'unacknowledged', producerName: people.map((p) => p.name).join(', '), deadline, workingDaysLeft: workingDaysBetween(input.calendar, today, deadline) });
    }
  }

  // People who asked to talk to an official and are not answered yet, by the province's standard.
  const requests = await db.officialRequest.findMany({ where: { ...officialRequestRegion(input.official), answeredAt: null }, orderBy: { id: 'asc' } });
  for (const request of requests) {
    const since = vietnamDateOf(request.createdAt);
    const deadline = addWorkingDays(input.calendar, since, input.requestAnswerWorkingDays);
    tasks.push({
      kind: 'answerRequest',
      href: `/console/requests/${String(request.id)}`,
      productName: request.message.length > 120 ? `${request.message.slice(0, 119)}…` : request.message,
      receiptNumber: displayPhone(request.phone),
      producerName: request.name,
      since,
      deadline,
      workingDaysLeft: workingDaysBetween(input.calendar, today, deadline),
    });
  }

  // People the bot could not reach in the last 30 days: someone must call them.
  const since = new Date(input.now.getTime() - 30 * 24 * 3600_000);
  const regionOfNotice = input.official.role === 'commune' ? { communeCode: input.official.communeCode ?? '' } : { provinceCode: input.official.provinceCode };
  const unreachable = await db.notification.findMany({ where: { ...regionOfNotice, state: 'unreachable', closedAt: { gte: since } }, orderBy: { id: 'desc' }, take: 20 });
  for (const notice of unreachable) {
    const person = await db.$transaction((tx) => resolveRecipient(tx, { kind: notice.recipientKind, id: notice.recipientId }));
    if (!person) continue;
    const idea = notice.productIdeaId === null ? null : await db.productIdea.findUnique({ where: { id: notice.productIdeaId }, select: { id: true, productName: true, receiptNumber: true } });
    tasks.push({
      kind: 'unreachable',
      href: idea ? `/console/ideas/${String(idea.id)}` : '/console',
      productName: idea?.productName ?? '',
      receiptNumber: idea?.receiptNumber ?? '',
      producerName: `${person.name}${person.phone ? ` · ${displayPhone(person.phone)}` : ''}`,
      since: vietnamDateOf(notice.closedAt ?? notice.dueAt),
    });
  }
  // Messages Zalo refused to the region's producers in the last 30 days, with its reason.
  const producers = await db.producer.findMany({ where: input.official.role === 'commune' ? { communeCode: input.official.communeCode ?? '' } : { commune: { provinceCode: input.official.provinceCode } }, select: { zaloUserId: true, name: true, phone: true } });
  const byUser = new Map(producers.map((p) => [p.zaloUserId, p]));
  const refused = producers.length > 0 ? await db.outboundMessage.findMany({ where: { status: 'failed', failedAt: { gte: since }, recipient: { in: [...byUser.keys()] } }, orderBy: { id: 'desc' }, take: 20 }) : [];
  for (const message of refused) {
    const producer = byUser.get(message.recipient);
    if (!producer) continue;
    tasks.push({
      kind: 'refusedByZalo',
      href: '/console',
      productName: (message.lastError ?? '').slice(0, 120),
      receiptNumber: '',
      producerName: `${producer.name} · ${displayPhone(producer.phone)}`,
      since: vietnamDateOf(message.failedAt ?? message.createdAt),
    });
  }
  return tasks.sort((a, b) => (a.deadline ?? '9999') .localeCompare(b.deadline ?? '9999') || a.since.localeCompare(b.since));
}

export const ideaFilterSchema = z.object({
  status: z.enum(['submitted', 'accepted', 'returned']).optional().catch(undefined),
  sector: z.string().regex(/^[a-z][a-zA-Z]*$/).optional().catch(undefined),
  commune: z.string().regex(/^\d{5}$/).optional().catch(undefined),
});
export type IdeaFilter = z.infer<typeof ideaFilterSchema>;

export type ListedIdea = ProductIdea & { producer: Producer; dossier: Dossier | null };

/** The ideas of the official's region that match the filter, the latest first (at most 500). */
export function filteredIdeas(db: Database, official: Official, filter: IdeaFilter): Promise<ListedIdea[]> {
  return db.productIdea.findMany({
    where: { AND: [ideaRegion(official), { status: filter.status, sectorCode: filter.sector, communeCode: filter.commune }] },
    include: { producer: true, dossier: true },
    orderBy: { id: 'desc' },
    take: 500,
  });
}

/** The listed ideas as an .xlsx workbook, in the official's language, dates as dd/mm/yyyy. */
export async function ideasWorkbook(ideas: readonly ListedIdea[], t: (key: string, vars?: Record<string, string>) => string): Promise<ArrayBuffer> {
  // Loaded when first asked for: the library takes about 0.3 s to load, which every start
  // (web and worker roles alike) would otherwise pay for an export few people use.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(t('console.ideas.sheet'));
  sheet.columns = [
    { header: t('console.idea.receipt'), key: 'receipt', width: 26 },
    { header: t('idea.summary.productName'), key: 'product', width: 32 },
    { header: t('console.idea.producer'), key: 'producer', width: 30 },
    { header: t('console.ideas.commune'), key: 'commune', width: 10 },
    { header: t('console.ideas.sector'), key: 'sector', width: 22 },
    { header: t('console.idea.status'), key: 'status', width: 16 },
    { header: t('console.ideas.dossier'), key: 'dossier', width: 18 },
    { header: t('console.idea.submitted'), key: 'submitted', width: 14 },
  ];
  sheet.getRow(1).font = { bold: true };
  for (const idea of ideas) {
    sheet.addRow({
      receipt: idea.receiptNumber,
      product: idea.productName,
      producer: idea.producer.name,
      commune: idea.communeCode,
      sector: t(`ocop.sector.${idea.sectorCode}`),
      status: t(`console.status.${idea.status}`),
      dossier: idea.dossier ? t(`console.dossierStatus.${idea.dossier.status}`) : '',
      submitted: displayDate(vietnamDateOf(idea.submittedAt)),
    });
  }
  return workbook.xlsx.writeBuffer() as Promise<ArrayBuffer>;
}

/** The requests an official answers: their commune's, or their province's. */
export function officialRequestRegion(official: Official): { provinceCode: string; communeCode?: string } {
  return official.role === 'commune' ? { provinceCode: official.provinceCode, communeCode: official.communeCode ?? '' } : { provinceCode: official.provinceCode };
}
